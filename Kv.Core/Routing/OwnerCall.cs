using System.Text;
using Kv.Core.Application;
using Kv.Core.Buckets;
using Kv.Distribution;
using Kv.Distribution.Nodes;

namespace Kv.Core.Routing;

/// <summary>
/// The one rpc that carries a bucket operation to the node that owns the bucket:
/// <c>KV.Router.Execute</c> on <c>owner</c>, which checks its own table and runs it on its registry
/// (or passes it on). Failures come back as kv's exceptions (<see cref="RemoteFailures"/>).
/// </summary>
internal static class OwnerCall
{
    /// <summary>Runs <paramref name="request"/> on <paramref name="owner"/>, passed on <paramref name="hops"/> times so far.</summary>
    /// <exception cref="BucketStoppedException">The bucket stopped on the owner.</exception>
    /// <exception cref="RoutingException">The owner has no entry for the bucket, or the tables disagree.</exception>
    /// <exception cref="BucketUnavailableException">The owner cannot be reached, did not answer in time, or failed.</exception>
    public static async ValueTask<BucketReply> ExecuteAsync(Node node, NodeName owner, BucketRequest request, long hops, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        object? term;
        try
        {
            term = await node.CallAsync(owner, KvExports.RouterModule, KvExports.Execute, BucketTerms.Arguments(request, hops), timeout, cancellationToken);
        }
        catch (Exception ex) when (RemoteFailures.Translate(ex, request.Bucket, owner) is { } translated)
        {
            throw translated;
        }

        return BucketTerms.TryReadReply(term, out var reply)
            ? reply
            : throw new BucketUnavailableException(request.Bucket, owner.ToString(), $"it answered {term ?? "nil"}, which is not a bucket reply", null);
    }

    /// <summary>
    /// Runs the <paramref name="packed"/> operations on <paramref name="owner"/> in order, as one rpc
    /// (<c>KV.Router.ExecuteMany</c>, <see cref="PackedBatch"/>), and puts the i-th one's outcome at
    /// <paramref name="outcomes"/>[<paramref name="indices"/>[i]]. A value is a slice of the reply.
    /// A failure of the rpc itself (the owner cannot be reached, say) is every operation's.
    /// </summary>
    /// <returns>Whether the owner replied: when not, the request may still be sent later (a busy link), and <paramref name="packed"/> must not be reused.</returns>
    public static async Task<bool> ExecuteManyAsync(Node node, NodeName owner, ReadOnlyMemory<byte> packed, IReadOnlyList<int> indices, BucketOutcome[] outcomes, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        object? reply;
        try
        {
            // Inline: what follows, and the client's session after it, writes replies and reads on; it never blocks.
            reply = await node.CallInlineAsync(owner, KvExports.RouterModule, KvExports.ExecuteMany, [packed, 1L], timeout, cancellationToken);
        }
        catch (Exception ex) when (RemoteFailures.Translate(ex, string.Empty, owner) is not null)
        {
            var i = 0;
            foreach (var bucket in BucketNames(packed))
            {
                outcomes[indices[i++]] = BucketOutcome.Failed(RemoteFailures.Translate(ex, bucket, owner)!);
            }

            return false;
        }

        var replies = reply as byte[] ?? [];
        var offset = 0;
        var read = 0;
        try
        {
            for (; read < indices.Count && PackedBatch.TryReadReply(replies, ref offset, out var status, out var value, out var failure); read++)
            {
                outcomes[indices[read]] = failure is var (type, message)
                    ? BucketOutcome.Failed(RemoteFailures.FromReply(type, message, BucketNames(packed).ElementAt(read), owner))
                    : new BucketOutcome(status, value, null);
            }
        }
        catch (ArgumentException)
        {
            // A malformed reply: what was read stands, the rest are answered below.
        }

        if (read < indices.Count)
        {
            var answered = reply is byte[] ? $"{read} replies of {indices.Count}" : reply ?? "nil";
            foreach (var bucket in BucketNames(packed).Skip(read))
            {
                outcomes[indices[read++]] = BucketOutcome.Failed(new BucketUnavailableException(bucket, owner.ToString(), $"it answered {answered}, which is not the batch's replies", null));
            }
        }

        return true;
    }

    /// <summary>The bucket names of <paramref name="packed"/>'s operations, for the failures that name them.</summary>
    private static IEnumerable<string> BucketNames(ReadOnlyMemory<byte> packed)
    {
        var offset = 0;
        while (PackedBatch.TryReadOperation(packed, ref offset, out _, out var bucket, out _, out _))
        {
            yield return Encoding.UTF8.GetString(bucket.Span);
        }
    }
}

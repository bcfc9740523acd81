using System.Diagnostics;
using System.Text;
using Kv.Core.Application;
using Kv.Core.Buckets;
using Kv.Distribution;
using Kv.Distribution.Nodes;

namespace Kv.Core.Routing;

/// <summary>
/// The rpcs that carry bucket operations to the node that owns the bucket: <c>KV.Router.Execute</c>
/// for one, <c>KV.Router.ExecuteMany</c> for many (packed, <see cref="PackedBatch"/>), on
/// <c>owner</c>, which checks its own table and runs them on its registry (or passes them on).
/// Failures come back as kv's exceptions (<see cref="RemoteFailures"/>).
/// </summary>
internal static class OwnerCall
{
    /// <summary>Runs <paramref name="request"/> on <paramref name="owner"/>, passed on <paramref name="hops"/> times so far; counts the call in <paramref name="metrics"/>, when given.</summary>
    /// <exception cref="BucketStoppedException">The bucket stopped on the owner.</exception>
    /// <exception cref="RoutingException">The owner has no entry for the bucket, or the tables disagree.</exception>
    /// <exception cref="BucketUnavailableException">The owner cannot be reached, did not answer in time, or failed.</exception>
    public static async ValueTask<BucketReply> ExecuteAsync(Node node, NodeName owner, BucketRequest request, long hops, TimeSpan? timeout, RouterMetrics? metrics, CancellationToken cancellationToken)
    {
        object? term;
        var sentAt = Stopwatch.GetTimestamp();
        try
        {
            term = await node.CallAsync(owner, KvExports.RouterModule, KvExports.Execute, BucketTerms.Arguments(request, hops), timeout, cancellationToken);
        }
        catch (Exception ex) when (RemoteFailures.Translate(ex, request.Bucket, owner) is { } translated)
        {
            throw translated;
        }
        finally
        {
            metrics?.OwnerCall(1, sentAt);
        }

        return BucketTerms.TryReadReply(term, out var reply)
            ? reply
            : throw new BucketUnavailableException(request.Bucket, owner.ToString(), $"it answered {term ?? "nil"}, which is not a bucket reply", null);
    }

    /// <summary>
    /// Sends <paramref name="packed"/> operations (<see cref="PackedBatch"/>) to <paramref name="owner"/>
    /// as one <c>KV.Router.ExecuteMany</c>, which runs them in order, and completes with its reply;
    /// <paramref name="concurrently"/>, as <c>KV.Router.ExecuteManyConcurrently</c>, which the owner
    /// runs beside its other calls. The continuation runs where the reply is read
    /// (<see cref="Node.CallInlineAsync"/>): it must only hand the replies out, as <see cref="OwnerQueue"/> does.
    /// </summary>
    public static Task<object?> ExecuteManyAsync(Node node, NodeName owner, ReadOnlyMemory<byte> packed, bool concurrently, TimeSpan timeout) =>
        node.CallInlineAsync(owner, KvExports.RouterModule, concurrently ? KvExports.ExecuteManyConcurrently : KvExports.ExecuteMany, [packed, 1L], timeout);

    /// <summary>
    /// Reads the replies of <paramref name="packed"/>'s operations from <paramref name="reply"/> at
    /// <paramref name="offset"/> (moved past them), the i-th into <paramref name="outcomes"/>[<paramref name="indices"/>[i]];
    /// a value is a slice of the reply. Replies missing or malformed are answered as the owner's failure.
    /// </summary>
    public static void ReadReplies(object? reply, ref int offset, ReadOnlyMemory<byte> packed, IReadOnlyList<int> indices, BucketOutcome[] outcomes, NodeName owner)
    {
        var replies = reply as byte[] ?? [];
        var read = 0;
        List<string>? buckets = null; // decoded once, for the failures that name them
        try
        {
            for (; read < indices.Count && PackedBatch.TryReadReply(replies, ref offset, out var status, out var value, out var failure); read++)
            {
                outcomes[indices[read]] = failure is var (type, message)
                    ? BucketOutcome.Failed(RemoteFailures.FromReply(type, message, (buckets ??= [.. BucketNames(packed)])[read], owner))
                    : new BucketOutcome(status, value, null);
            }
        }
        catch (ArgumentException)
        {
            // A malformed reply: what was read stands, the rest are answered below.
            offset = replies.Length;
        }

        if (read < indices.Count)
        {
            var answered = reply is byte[] ? $"too few replies ({read} of {indices.Count} here)" : reply ?? "nil";
            foreach (var bucket in BucketNames(packed).Skip(read))
            {
                outcomes[indices[read++]] = BucketOutcome.Failed(new BucketUnavailableException(bucket, owner.ToString(), $"it answered {answered}, which is not the batch's replies", null));
            }
        }
    }

    /// <summary>Answers every one of <paramref name="packed"/>'s operations with kv's exception for <paramref name="failure"/>, the rpc's.</summary>
    /// <returns><see langword="false"/> when <paramref name="failure"/> is not one kv translates (cancellation, say).</returns>
    public static bool FailAll(Exception failure, ReadOnlyMemory<byte> packed, IReadOnlyList<int> indices, BucketOutcome[] outcomes, NodeName owner)
    {
        if (RemoteFailures.Translate(failure, string.Empty, owner) is null)
        {
            return false;
        }

        var i = 0;
        foreach (var bucket in BucketNames(packed))
        {
            outcomes[indices[i++]] = BucketOutcome.Failed(RemoteFailures.Translate(failure, bucket, owner)!);
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

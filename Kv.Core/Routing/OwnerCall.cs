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
    /// Runs <paramref name="requests"/> on <paramref name="owner"/> in order, as one rpc
    /// (<c>KV.Router.ExecuteMany</c>), and puts each one's outcome at its index in <paramref name="outcomes"/>.
    /// A failure of the rpc itself (the owner cannot be reached, say) is every request's.
    /// </summary>
    public static async Task ExecuteManyAsync(Node node, NodeName owner, IReadOnlyList<(int Index, BucketRequest Request)> requests, BucketOutcome[] outcomes, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        if (requests.Count == 1)
        {
            // One alone (a client that does not pipeline): KV.Router.Execute, whose terms are smaller.
            var (index, request) = requests[0];
            try
            {
                outcomes[index] = BucketOutcome.Of(await ExecuteAsync(node, owner, request, hops: 1, timeout, cancellationToken));
            }
            catch (Exception ex) when (ex is BucketStoppedException or BucketLimitException or RoutingException or BucketUnavailableException)
            {
                outcomes[index] = BucketOutcome.Failed(ex);
            }

            return;
        }

        var terms = new object?[requests.Count];
        for (var i = 0; i < terms.Length; i++)
        {
            terms[i] = BucketTerms.Request(requests[i].Request);
        }

        object? reply;
        try
        {
            reply = await node.CallAsync(owner, KvExports.RouterModule, KvExports.ExecuteMany, [terms, 1L], timeout, cancellationToken);
        }
        catch (Exception ex) when (RemoteFailures.Translate(ex, requests[0].Request.Bucket, owner) is not null)
        {
            foreach (var (index, request) in requests)
            {
                outcomes[index] = BucketOutcome.Failed(RemoteFailures.Translate(ex, request.Bucket, owner)!);
            }

            return;
        }

        var replies = reply as object?[];
        for (var i = 0; i < requests.Count; i++)
        {
            var (index, request) = requests[i];
            var term = replies is not null && replies.Length == requests.Count ? replies[i] : reply;
            outcomes[index] = BucketTerms.TryReadReply(term, out var done) ? BucketOutcome.Of(done)
                : BucketTerms.TryReadFailure(term, out var type, out var message) ? BucketOutcome.Failed(RemoteFailures.FromReply(type, message, request.Bucket, owner))
                : BucketOutcome.Failed(new BucketUnavailableException(request.Bucket, owner.ToString(), $"it answered {term ?? "nil"}, which is not a bucket reply", null));
        }
    }
}

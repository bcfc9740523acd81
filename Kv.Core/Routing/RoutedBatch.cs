using System.Text;
using Kv.Core.Buckets;
using Kv.Distribution.Nodes;

namespace Kv.Core.Routing;

/// <summary>
/// Bucket operations gathered to travel together, as a client that pipelines sends them: those for
/// one owner go as one rpc, <c>KV.Router.ExecuteMany</c>, which the owner runs in the order they were
/// added (the order of the client's connection), each checked against the owner's own table as
/// <c>KV.Router.Execute</c> is; those for different owners go at once, side by side. Every
/// operation gets its own outcome: one that fails does not fail the others.
/// </summary>
/// <remarks>Not thread-safe: one batch belongs to one client's connection, which fills it,
/// runs it (<see cref="ExecuteAsync"/>), reads the outcomes and clears it again.</remarks>
public sealed class RoutedBatch(Router router)
{
    private readonly List<(NodeName? Owner, BucketRequest Request)> _requests = [];
    private BucketOutcome[] _outcomes = new BucketOutcome[16];

    /// <summary>How many operations it holds.</summary>
    public int Count => _requests.Count;

    /// <summary>The bytes of names, keys and values it holds: what its frames will carry, for the caller's bound on them.</summary>
    public long Bytes { get; private set; }

    /// <summary>The outcome of the operation added at <paramref name="index"/>, once <see cref="ExecuteAsync"/> has completed.</summary>
    public ref readonly BucketOutcome this[int index] => ref _outcomes[index];

    /// <summary>Adds an operation on a bucket named by UTF-8 bytes, as the text protocol has its words.</summary>
    /// <returns>Its index, for its outcome.</returns>
    public int Add(BucketOperation operation, ReadOnlySpan<byte> bucket, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        var request = new BucketRequest(
            operation,
            Encoding.UTF8.GetString(bucket),
            Encoding.UTF8.GetString(key),
            operation == BucketOperation.Put ? value.ToArray() : null);
        NodeName? owner = null;
        Exception? failure = null;
        try
        {
            owner = router.OwnerOf(request.Bucket);
        }
        catch (RoutingException ex)
        {
            failure = ex;
        }

        var index = _requests.Count;
        _requests.Add((owner, request));
        if (index == _outcomes.Length)
        {
            Array.Resize(ref _outcomes, index * 2);
        }

        _outcomes[index] = failure is null ? default : BucketOutcome.Failed(failure);
        Bytes += bucket.Length + key.Length + (request.Value?.Length ?? 0);
        return index;
    }

    /// <summary>Runs every operation added, each owner's in one rpc; completes when all have their outcome. Only cancellation is thrown.</summary>
    public async Task ExecuteAsync(CancellationToken cancellationToken)
    {
        var byOwner = new Dictionary<NodeName, List<(int Index, BucketRequest Request)>>();
        for (var i = 0; i < _requests.Count; i++)
        {
            var (owner, request) = _requests[i];
            if (_outcomes[i].Failure is not null)
            {
                continue; // no route
            }

            if (owner is not { } node)
            {
                _outcomes[i] = Local(request);
                continue;
            }

            if (!byOwner.TryGetValue(node, out var requests))
            {
                byOwner[node] = requests = [];
            }

            requests.Add((i, request));
        }

        var calls = new List<Task>(byOwner.Count);
        foreach (var (owner, requests) in byOwner)
        {
            calls.Add(router.ExecuteManyAsync(owner, requests, _outcomes, cancellationToken));
        }

        await Task.WhenAll(calls);
    }

    /// <summary>Empties it for the next batch.</summary>
    public void Clear()
    {
        Array.Clear(_outcomes, 0, _requests.Count);
        _requests.Clear();
        Bytes = 0;
    }

    private BucketOutcome Local(in BucketRequest request)
    {
        try
        {
            return BucketOutcome.Of(router.ExecuteHere(request));
        }
        catch (Exception ex) when (ex is BucketLimitException or BucketStoppedException)
        {
            return BucketOutcome.Failed(ex);
        }
    }
}

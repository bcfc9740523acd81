using System.Buffers;
using Kv.Core.Buckets;
using Kv.Distribution.Nodes;

namespace Kv.Core.Routing;

/// <summary>
/// Bucket operations gathered to travel together, as a client that pipelines sends them: those for
/// one owner go as one rpc, <c>KV.Router.ExecuteMany</c>, packed as bytes (<see cref="PackedBatch"/>)
/// and joined by other clients' batches while calls are in flight (<see cref="OwnerQueue"/>), which the owner runs in the order they were added (the order of the client's connection), each
/// checked against the owner's own table as <c>KV.Router.Execute</c> is; those for different
/// owners go at once, side by side. Every operation gets its own outcome: one that fails does not
/// fail the others.
/// </summary>
/// <remarks>
/// <para>An operation on a bucket of this node runs when it is added, as a command on a local bucket
/// does (its outcome is ready at once); so does one with no route (its outcome is the failure).
/// Names, keys and values are copied into the owner's packed request as they are added: nothing is
/// decoded to strings on either side.</para>
/// <para>Not thread-safe: one batch belongs to one client's connection, which fills it, runs it
/// (<see cref="ExecuteAsync"/>), reads the outcomes and clears it again. It keeps its buffers for
/// the next batch, up to a size (<see cref="KeptCapacity"/>, <see cref="KeptOutcomes"/>).</para>
/// </remarks>
public sealed class RoutedBatch(Router router)
{
    /// <summary>An owner's request buffer that grew past this is let go at <see cref="Clear"/>, so an idle client keeps little.</summary>
    private const int KeptCapacity = 16 * 1024;

    /// <summary>An outcome table that grew past this many is let go at <see cref="Clear"/> too.</summary>
    private const int KeptOutcomes = 64;

    private readonly List<OwnerRequest> _owners = [];
    private BucketOutcome[] _outcomes = new BucketOutcome[16];
    private int _count;

    /// <summary>How many operations it holds.</summary>
    public int Count => _count;

    /// <summary>The bytes of the requests for other nodes it holds: what its frames will carry, for the caller's bound on them.</summary>
    public long Bytes { get; private set; }

    /// <summary>The outcome of the operation added at <paramref name="index"/>, once <see cref="ExecuteAsync"/> has completed (at once for a bucket of this node).</summary>
    public ref readonly BucketOutcome this[int index] => ref _outcomes[index];

    /// <summary>Adds an operation on a bucket named by UTF-8 bytes, as the text protocol has its words; all three are copied or used before it returns.</summary>
    /// <returns>Its index, for its outcome.</returns>
    /// <exception cref="ArgumentException"><paramref name="bucket"/> is empty.</exception>
    public int Add(BucketOperation operation, ReadOnlySpan<byte> bucket, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        if (bucket.IsEmpty)
        {
            throw new ArgumentException("A bucket's name is not empty.", nameof(bucket));
        }

        var index = _count++;
        if (index == _outcomes.Length)
        {
            Array.Resize(ref _outcomes, index * 2);
        }

        NodeName? owner;
        try
        {
            owner = router.OwnerOf(bucket);
        }
        catch (RoutingException ex)
        {
            _outcomes[index] = BucketOutcome.Failed(ex);
            return index;
        }

        if (owner is not { } node)
        {
            _outcomes[index] = Local(operation, bucket, key, value);
            return index;
        }

        var request = RequestFor(node);
        Bytes += PackedBatch.WriteOperation(request.Packed, operation, bucket, key, operation == BucketOperation.Put ? value : default);
        request.Indices.Add(index);
        return index;
    }

    /// <summary>
    /// Runs every operation added for other nodes, each owner's in one rpc (which may carry other
    /// batches' too); completes when all have their outcome, within the router's timeout.
    /// </summary>
    /// <remarks>
    /// Not an async method: with one owner (the usual case) the task is that owner's call itself, so
    /// that the reply resumes the caller where it is read, with nothing allocated or run between.
    /// </remarks>
    public Task ExecuteAsync()
    {
        Task? first = null;
        List<Task>? all = null;
        foreach (var request in _owners)
        {
            if (request.Indices.Count > 0)
            {
                var call = request.Execute(router, _outcomes);
                if (first is null)
                {
                    first = call;
                }
                else
                {
                    (all ??= [first]).Add(call);
                }
            }
        }

        return all is null ? first ?? Task.CompletedTask : Task.WhenAll(all);
    }

    /// <summary>Empties it for the next batch: outcomes read before are no longer valid.</summary>
    public void Clear()
    {
        if (_outcomes.Length > KeptOutcomes)
        {
            _outcomes = new BucketOutcome[16];
        }
        else
        {
            Array.Clear(_outcomes, 0, _count);
        }

        _count = 0;
        Bytes = 0;
        for (var i = _owners.Count - 1; i >= 0; i--)
        {
            var request = _owners[i];
            if (request.Packed.Capacity > KeptCapacity || request.Unanswered)
            {
                // Too big to keep, or still referenced by a request that may yet be sent.
                _owners.RemoveAt(i);
                continue;
            }

            request.Packed.ResetWrittenCount();
            request.Indices.Clear();
        }
    }

    private OwnerRequest RequestFor(NodeName owner)
    {
        foreach (var request in _owners)
        {
            if (request.Owner == owner)
            {
                return request;
            }
        }

        var added = new OwnerRequest(owner);
        _owners.Add(added);
        return added;
    }

    private BucketOutcome Local(BucketOperation operation, ReadOnlySpan<byte> bucket, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        try
        {
            return BucketOutcome.Of(router.ExecuteHere(operation, bucket, key, value));
        }
        catch (Exception ex) when (ex is BucketLimitException or BucketStoppedException)
        {
            return BucketOutcome.Failed(ex);
        }
    }

    /// <summary>The operations for one owner: packed, and the index of each one's outcome.</summary>
    private sealed class OwnerRequest(NodeName owner)
    {
        public NodeName Owner { get; } = owner;

        public ArrayBufferWriter<byte> Packed { get; } = new(256);

        public List<int> Indices { get; } = [];

        private Task<bool>? _call;

        /// <summary>
        /// Whether the last call had no reply (or failed): its frame may still go out, encoded from
        /// <see cref="Packed"/>, which must not be reused. Read at <see cref="Clear"/>, once the batch has run.
        /// </summary>
        public bool Unanswered => _call is not (null or { IsCompletedSuccessfully: true, Result: true });

        /// <summary>Sends the operations; completes, with whether the owner replied, once each outcome is in <paramref name="outcomes"/>.</summary>
        public Task<bool> Execute(Router router, BucketOutcome[] outcomes) =>
            _call = router.ExecuteManyAsync(Owner, Packed.WrittenMemory, Indices, outcomes);
    }
}

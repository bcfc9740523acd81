using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;
using Kv.Core.Application;
using Kv.Core.Buckets;
using Kv.Distribution;
using Kv.Distribution.Nodes;
using Kv.Distribution.Rpc;
using Kv.Distribution.Servers;
using Kv.Distribution.Tasks;

namespace Kv.Core.Routing;

/// <summary>
/// Sends a request to the node that owns a bucket (the guide's <c>KV.Router</c>): the first byte of
/// the bucket's name picks the table entry; when the entry is this node the request runs here,
/// otherwise the owner is asked to run it, and checks its own table first. Requests are passed on
/// at most <see cref="MaxHops"/> times.
/// </summary>
/// <remarks>
/// <para>Bucket operations have one entry, <see cref="ExecuteAsync(BucketRequest, CancellationToken)"/>
/// (and its overload for the text protocol's UTF-8 words), which decides the route once: a bucket of
/// this node is served by its <see cref="BucketRegistry"/> at once, with no await and no allocation
/// beyond what the bucket keeps; another node's bucket costs one rpc, <c>KV.Router.Execute</c>, that
/// runs the operation on the owner's registry with no dispatch by name there. Values stay UTF-8
/// bytes all the way. Failures are kv's exceptions: <see cref="RoutingException"/>,
/// <see cref="BucketStoppedException"/> and <see cref="BucketUnavailableException"/>.</para>
/// <para><see cref="RouteAsync(string, string, string, object?[], CancellationToken)"/> runs any
/// exported function on the owner, as the guide's <c>KV.Router.route</c>. The guide asks the
/// owner's <c>RouterTasks</c> task supervisor to run it and awaits the task; by default this router
/// sends the same <c>KV.Router.Route</c> as one rpc instead (<see cref="ViaTasks"/> = false), which
/// keeps every part of those semantics that a caller can observe: the owner checks its own table;
/// the request runs there in a work item of its own, off the link; the value comes back, and so do
/// exceptions, with their remote type; a node that is down or a timeout is a distinct failure. What
/// it saves is the task process and the second message (the supervisor's start reply).</para>
/// <para>Until <see cref="Attach"/> gives it a node, or when the table is empty, every bucket is
/// local, as the guide's application is before its table is configured.</para>
/// </remarks>
public sealed class Router(RoutingTable table, BucketRegistry registry)
{
    /// <summary>How many times a request may be passed on before the tables are declared to disagree.</summary>
    public const int MaxHops = 3;

    private readonly ConcurrentDictionary<NodeName, OwnerQueue> _queues = new();
    private Node? _node;

    /// <summary>The routing table.</summary>
    public RoutingTable Table => table;

    /// <summary>This node's buckets: where a request for a bucket of this node is carried out.</summary>
    public BucketRegistry Registry => registry;

    /// <summary>How long a routed request may take (the guide's <c>Task.await</c> default).</summary>
    public TimeSpan Timeout { get; init; } = GenServer.DefaultTimeout;

    /// <summary>
    /// Route <see cref="RouteAsync(string, string, string, object?[], CancellationToken)"/> through the
    /// owner's <c>RouterTasks</c> (a task per request, as the guide does) instead of one rpc. Bucket
    /// operations (<see cref="ExecuteAsync(BucketRequest, CancellationToken)"/>) always take the rpc.
    /// </summary>
    public bool ViaTasks { get; init; }

    /// <summary>
    /// Where the calls to other nodes' buckets are counted (<c>kv.router.*</c>), this router's and
    /// its <see cref="RemoteBucket"/>s'; nothing is counted when null. Give each router its own:
    /// <c>kv.router.waiting_operations</c> reads the router that took it last.
    /// </summary>
    public RouterMetrics? Metrics
    {
        get;
        init
        {
            field = value;
            value?.ObserveWaiting(WaitingOperations);
        }
    }

    /// <summary>Routes through <paramref name="node"/> from now on; called once the node runs.</summary>
    public void Attach(Node node) => _node = node;

    /// <summary>Whether the bucket whose UTF-8 name starts with <paramref name="firstByte"/> lives on this node.</summary>
    /// <returns><see langword="false"/> for another node's bucket, or one with no table entry.</returns>
    public bool IsLocal(byte firstByte) =>
        _node is not { } node || table.IsLocal || (table.TryFind(firstByte, out var owner) && owner == node.Name);

    /// <summary>
    /// Carries out <paramref name="request"/> on the node that owns its bucket. A bucket of this node
    /// completes synchronously; another node's takes one rpc to its owner.
    /// </summary>
    /// <returns>
    /// <see cref="BucketStatus.NotFound"/> when the bucket does not exist; else <see cref="BucketStatus.Ok"/>
    /// with the value for GET (and the removed value for DELETE). A value of a bucket of this node is
    /// the bucket's own array: read it, never change it.
    /// </returns>
    /// <exception cref="RoutingException">No table entry holds the bucket, or the tables disagree.</exception>
    /// <exception cref="BucketUnavailableException">The owner cannot be reached, did not answer in time, or failed.</exception>
    /// <exception cref="BucketStoppedException">The bucket stopped on the owner as the operation ran there.</exception>
    /// <exception cref="BucketLimitException">A CREATE of a new bucket on an owner that holds its most buckets already.</exception>
    public ValueTask<BucketReply> ExecuteAsync(BucketRequest request, CancellationToken cancellationToken = default) =>
        ExecuteAsync(request, hops: 0, cancellationToken);

    /// <summary>
    /// Carries out <paramref name="operation"/> on a bucket named by UTF-8 bytes, as the text protocol
    /// has its words: for a bucket of this node, synchronously and without allocating (beyond the
    /// copy of a PUT's value that the bucket keeps); for another node's, the words become a
    /// <see cref="BucketRequest"/> sent to the owner, as <see cref="ExecuteAsync(BucketRequest, CancellationToken)"/>.
    /// </summary>
    /// <param name="operation">What to do.</param>
    /// <param name="bucket">The bucket's name as UTF-8; not empty.</param>
    /// <param name="key">The key as UTF-8; empty for CREATE.</param>
    /// <param name="value">The value to store as UTF-8, for PUT; read before this method returns.</param>
    /// <param name="cancellationToken">Abandons the wait for another node's reply.</param>
    /// <returns>As <see cref="ExecuteAsync(BucketRequest, CancellationToken)"/>.</returns>
    public ValueTask<BucketReply> ExecuteAsync(BucketOperation operation, ReadOnlySpan<byte> bucket, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, CancellationToken cancellationToken = default)
    {
        if (bucket.IsEmpty)
        {
            throw new ArgumentException("A bucket's name is not empty.", nameof(bucket));
        }

        if (Owner(bucket) is not { } owner)
        {
            return new ValueTask<BucketReply>(registry.Execute(operation, bucket, key, value));
        }

        var request = new BucketRequest(
            operation,
            Encoding.UTF8.GetString(bucket),
            Encoding.UTF8.GetString(key),
            operation == BucketOperation.Put ? value.ToArray() : null);
        return OwnerCall.ExecuteAsync(_node!, owner, request, hops: 1, Timeout, Metrics, cancellationToken);
    }

    /// <summary>
    /// Carries out <paramref name="operation"/> at once when its bucket, named by UTF-8 bytes, lives on
    /// this node, as <see cref="ExecuteAsync(BucketOperation, ReadOnlySpan{byte}, ReadOnlySpan{byte}, ReadOnlySpan{byte}, CancellationToken)"/>
    /// does for one; answers <see langword="false"/> and does nothing for another node's bucket (or
    /// one with no table entry), for the caller to route (<see cref="RoutedBatch"/>).
    /// </summary>
    public bool TryExecuteHere(BucketOperation operation, ReadOnlySpan<byte> bucket, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, out BucketReply reply)
    {
        if (bucket.IsEmpty || !IsLocal(bucket[0]))
        {
            reply = default;
            return false;
        }

        reply = registry.Execute(operation, bucket, key, value);
        return true;
    }

    /// <summary>
    /// Runs <paramref name="module"/>.<paramref name="function"/>(<paramref name="args"/>) on the node
    /// that owns <paramref name="bucket"/> and returns its value.
    /// </summary>
    /// <exception cref="RoutingException">No table entry holds the bucket, or the tables disagree.</exception>
    /// <exception cref="RpcException">The function failed, or is not exported there.</exception>
    /// <exception cref="Kv.Distribution.Processes.ExitException">The owner cannot be reached, did not answer in time, or its task crashed.</exception>
    public Task<object?> RouteAsync(string bucket, string module, string function, object?[] args, CancellationToken cancellationToken = default) =>
        RouteAsync(bucket, module, function, args, hops: 0, cancellationToken);

    /// <summary>Creates <paramref name="bucket"/> on its owner and returns a reference to it, usable from this node.</summary>
    /// <exception cref="RoutingException">No table entry holds the bucket, or the tables disagree.</exception>
    /// <exception cref="BucketUnavailableException">The owner cannot be reached, did not answer in time, or failed.</exception>
    public async Task<IBucket> CreateAsync(string bucket, CancellationToken cancellationToken = default)
    {
        if (Owner(bucket) is not { } owner)
        {
            return registry.Create(bucket);
        }

        await OwnerCall.ExecuteAsync(_node!, owner, BucketRequest.Create(bucket), hops: 1, Timeout, Metrics, cancellationToken);
        return new RemoteBucket(_node!, owner, bucket, Metrics);
    }

    /// <summary>Finds <paramref name="bucket"/> on its owner; <see langword="null"/> when it does not exist.</summary>
    /// <exception cref="RoutingException">No table entry holds the bucket, or the tables disagree.</exception>
    /// <exception cref="BucketUnavailableException">The owner cannot be reached, did not answer in time, or failed.</exception>
    public async Task<IBucket?> LookupAsync(string bucket, CancellationToken cancellationToken = default)
    {
        if (Owner(bucket) is not { } owner)
        {
            return registry.TryLookup(bucket, out var local) ? local : null;
        }

        object? found;
        try
        {
            found = await PassOnAsync(owner, bucket, KvExports.RegistryModule, KvExports.Lookup, [bucket], hops: 1, cancellationToken);
        }
        catch (Exception ex) when (RemoteFailures.Translate(ex, bucket, owner) is { } translated)
        {
            throw translated;
        }

        return found is true ? new RemoteBucket(_node!, owner, bucket, Metrics) : null;
    }

    /// <summary>
    /// <see cref="ExecuteAsync(BucketRequest, CancellationToken)"/> for a request passed on
    /// <paramref name="hops"/> times already: what <c>KV.Router.Execute</c> runs on the node it reaches.
    /// </summary>
    internal ValueTask<BucketReply> ExecuteAsync(BucketRequest request, long hops, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(request.Bucket, nameof(request));
        if (Owner(request.Bucket) is not { } owner)
        {
            return new ValueTask<BucketReply>(registry.Execute(request.Operation, request.Bucket, request.Key, request.Value));
        }

        ThrowIfTooManyHops(request.Bucket, hops, owner);
        return OwnerCall.ExecuteAsync(_node!, owner, request, hops + 1, Timeout, Metrics, cancellationToken);
    }

    /// <summary>The node owning the bucket named by the UTF-8 bytes <paramref name="bucket"/> (not empty), or <see langword="null"/> when it is this one.</summary>
    /// <exception cref="RoutingException">No table entry holds the bucket.</exception>
    internal NodeName? OwnerOf(ReadOnlySpan<byte> bucket) => Owner(bucket);

    /// <summary>Carries out an operation on this node's registry, whatever the table says.</summary>
    internal BucketReply ExecuteHere(BucketOperation operation, ReadOnlySpan<byte> bucket, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) =>
        registry.Execute(operation, bucket, key, value);

    /// <summary>
    /// Runs the <paramref name="packed"/> operations (<see cref="PackedBatch"/>) on <paramref name="owner"/>
    /// in order, in one <c>KV.Router.ExecuteMany</c> that may carry other clients' too (<see cref="OwnerQueue"/>);
    /// the outcome of the i-th goes to <paramref name="outcomes"/>[<paramref name="indices"/>[i]].
    /// Completes within <see cref="Timeout"/>.
    /// </summary>
    /// <returns>Whether the owner replied (<see cref="OwnerQueue.ExecuteAsync"/>).</returns>
    internal Task<bool> ExecuteManyAsync(NodeName owner, ReadOnlyMemory<byte> packed, IReadOnlyList<int> indices, BucketOutcome[] outcomes) =>
        _queues.GetOrAdd(owner, static (owner, router) => new OwnerQueue(router._node!, owner, router.Timeout, router.Metrics), this).ExecuteAsync(packed, indices, outcomes);

    /// <summary>Each owner's operations waiting for a call now (<c>kv.router.waiting_operations</c>).</summary>
    private IEnumerable<Measurement<long>> WaitingOperations()
    {
        foreach (var (owner, queue) in _queues)
        {
            yield return new Measurement<long>(queue.WaitingOperations, new KeyValuePair<string, object?>("peer", owner.ToString()));
        }
    }

    internal async Task<object?> RouteAsync(string bucket, string module, string function, object?[] args, long hops, CancellationToken cancellationToken)
    {
        if (Owner(bucket) is not { } owner)
        {
            return await ApplyAsync(module, function, args);
        }

        ThrowIfTooManyHops(bucket, hops, owner);
        return await PassOnAsync(owner, bucket, module, function, args, hops + 1, cancellationToken);
    }

    /// <summary>Has <paramref name="owner"/> route <c>module.function(args)</c> again (<c>KV.Router.Route</c>), by rpc or through its <c>RouterTasks</c>.</summary>
    private async Task<object?> PassOnAsync(NodeName owner, string bucket, string module, string function, object?[] args, long hops, CancellationToken cancellationToken)
    {
        object?[] route = [bucket, module, function, args, hops];
        if (!ViaTasks)
        {
            return await _node!.CallAsync(owner, KvExports.RouterModule, KvExports.Route, route, Timeout, cancellationToken);
        }

        var task = await TaskSupervisor.Async(
            _node!,
            ServerRef.To(KvApplication.RouterTasks, owner),
            KvExports.RouterModule,
            KvExports.Route,
            route,
            cancellationToken);
        return await task.AwaitAsync(Timeout, cancellationToken);
    }

    /// <summary>
    /// Runs an exported function here, as <c>apply(mod, fun, args)</c>, through the node's own call
    /// path, so that its failures are named as any rpc's are.
    /// </summary>
    private async Task<object?> ApplyAsync(string module, string function, object?[] args)
    {
        if (_node is not { } node)
        {
            throw new RoutingException($"{module}.{function} can only run on a node with a name.");
        }

        // KV.Router.Route runs on the link's read loop: a function that may block must not.
        return node.Functions.TryGet(module, function, out var exported) && exported.Inline
            ? await node.CallAsync(node.Name, module, function, args)
            : await Task.Run(() => node.CallAsync(node.Name, module, function, args));
    }

    private void ThrowIfTooManyHops(string bucket, long hops, NodeName owner)
    {
        if (hops >= MaxHops)
        {
            throw new RoutingException($"\"{bucket}\" was passed on {hops} times without reaching its owner: the nodes' routing tables disagree ({_node!.Name} says {owner}).");
        }
    }

    /// <summary>The node owning <paramref name="bucket"/>, or <see langword="null"/> when it is this one.</summary>
    /// <exception cref="RoutingException">No table entry holds the bucket.</exception>
    private NodeName? Owner(string bucket)
    {
        if (_node is not { } node || table.IsLocal)
        {
            return null;
        }

        var owner = table.Find(bucket);
        return owner == node.Name ? null : owner;
    }

    /// <summary>The node owning the bucket named by the UTF-8 bytes <paramref name="bucket"/>, or <see langword="null"/> when it is this one.</summary>
    /// <exception cref="RoutingException">No table entry holds the bucket.</exception>
    private NodeName? Owner(ReadOnlySpan<byte> bucket)
    {
        if (_node is not { } node || table.IsLocal)
        {
            return null;
        }

        if (!table.TryFind(bucket[0], out var owner))
        {
            throw RoutingTable.NoEntry(Encoding.UTF8.GetString(bucket), table);
        }

        return owner == node.Name ? null : owner;
    }
}

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
/// otherwise the owner runs <c>KV.Router.Route</c> again, so that it checks its own table. Requests
/// bounce at most <see cref="MaxHops"/> times.
/// </summary>
/// <remarks>
/// <para>The guide asks the owner's <c>RouterTasks</c> task supervisor to run the route and awaits
/// the task. By default this router sends the same <c>KV.Router.Route</c> as one rpc instead
/// (<see cref="ViaTasks"/> = false), which keeps every part of those semantics that a caller can
/// observe: the owner checks its own table; the request runs there in a work item of its own, off
/// the link; the value comes back, and so do exceptions, with their remote type; a node that is
/// down or a timeout is a distinct failure. What it saves is the task process and the second
/// message (the supervisor's start reply): one round trip instead of two.</para>
/// <para>Until <see cref="Attach"/> gives it a node, or when the table is empty, every bucket is
/// local, as the guide's application is before its table is configured.</para>
/// </remarks>
public sealed class Router(RoutingTable table, BucketRegistry registry)
{
    /// <summary>How many times a request may be passed on before the tables are declared to disagree.</summary>
    public const int MaxHops = 3;

    private Node? _node;

    /// <summary>The routing table.</summary>
    public RoutingTable Table => table;

    /// <summary>How long a routed request may take (the guide's <c>Task.await</c> default).</summary>
    public TimeSpan Timeout { get; init; } = GenServer.DefaultTimeout;

    /// <summary>Route through the owner's <c>RouterTasks</c> (a task per request, as the guide does) instead of one rpc.</summary>
    public bool ViaTasks { get; init; }

    /// <summary>Routes through <paramref name="node"/> from now on; called once the node runs.</summary>
    public void Attach(Node node) => _node = node;

    /// <summary>Whether the bucket whose UTF-8 name starts with <paramref name="firstByte"/> lives on this node.</summary>
    /// <returns><see langword="false"/> for another node's bucket, or one with no table entry.</returns>
    public bool IsLocal(byte firstByte) =>
        _node is not { } node || table.IsLocal || (table.TryFind(firstByte, out var owner) && owner == node.Name);

    /// <summary>
    /// Runs <paramref name="module"/>.<paramref name="function"/>(<paramref name="args"/>) on the node
    /// that owns <paramref name="bucket"/> and returns its value.
    /// </summary>
    /// <exception cref="RoutingException">No table entry holds the bucket, or the tables disagree.</exception>
    /// <exception cref="Kv.Distribution.Rpc.RpcException">The function failed, or is not exported there.</exception>
    /// <exception cref="Kv.Distribution.Processes.ExitException">The owner cannot be reached, did not answer in time, or its task crashed.</exception>
    public Task<object?> RouteAsync(string bucket, string module, string function, object?[] args, CancellationToken cancellationToken = default) =>
        RouteAsync(bucket, module, function, args, hops: 0, cancellationToken);

    /// <summary>Creates <paramref name="bucket"/> on its owner and returns a reference to it, usable from this node.</summary>
    public async Task<IBucket> CreateAsync(string bucket, CancellationToken cancellationToken = default)
    {
        if (Owner(bucket) is not { } owner)
        {
            return registry.Create(bucket);
        }

        await RouteAsync(bucket, KvFunctions.RegistryModule, "Create", [bucket], cancellationToken);
        return new RemoteBucket(_node!, owner, bucket);
    }

    /// <summary>Finds <paramref name="bucket"/> on its owner; <see langword="null"/> when it does not exist.</summary>
    public async Task<IBucket?> LookupAsync(string bucket, CancellationToken cancellationToken = default)
    {
        if (Owner(bucket) is not { } owner)
        {
            return registry.TryLookup(bucket, out var local) ? local : null;
        }

        var found = await RouteAsync(bucket, KvFunctions.RegistryModule, "Lookup", [bucket], cancellationToken);
        return found is true ? new RemoteBucket(_node!, owner, bucket) : null;
    }

    internal async Task<object?> RouteAsync(string bucket, string module, string function, object?[] args, long hops, CancellationToken cancellationToken)
    {
        var node = _node;
        if (Owner(bucket) is not { } owner)
        {
            return await ApplyAsync(module, function, args);
        }

        if (hops >= MaxHops)
        {
            throw new RoutingException($"\"{bucket}\" was passed on {hops} times without reaching its owner: the nodes' routing tables disagree ({node!.Name} says {owner}).");
        }

        object?[] route = [bucket, module, function, args, hops + 1];
        if (!ViaTasks)
        {
            return await node!.CallAsync(owner, KvFunctions.RouterModule, "Route", route, Timeout, cancellationToken);
        }

        var task = await TaskSupervisor.Async(
            node!,
            ServerRef.To(KvApplication.RouterTasks, owner),
            KvFunctions.RouterModule,
            "Route",
            route,
            cancellationToken);
        return await task.AwaitAsync(Timeout, cancellationToken);
    }

    /// <summary>Runs an exported function here, as <c>apply(mod, fun, args)</c>: its own exceptions come out as they are.</summary>
    private async Task<object?> ApplyAsync(string module, string function, object?[] args)
    {
        if (_node is not { } node)
        {
            throw new RoutingException($"{module}.{function} can only run on a node with a name.");
        }

        if (!node.Functions.TryGet(module, function, out var exported))
        {
            throw RpcException.Undefined(node.Name.ToString(), module, function);
        }

        try
        {
            // KV.Router.Route runs on the link's read loop: a function that may block must not.
            return exported.Inline
                ? await exported.InvokeAsync(args)
                : await Task.Run(() => exported.InvokeAsync(args).AsTask());
        }
        catch (BadArgumentException ex)
        {
            throw new RpcException(RpcFailure.BadArg, node.Name.ToString(), ex.Message, innerException: ex);
        }
    }

    /// <summary>The node owning <paramref name="bucket"/>, or <see langword="null"/> when it is this one.</summary>
    private NodeName? Owner(string bucket)
    {
        if (_node is not { } node || table.IsLocal)
        {
            return null;
        }

        var owner = table.Find(bucket);
        return owner == node.Name ? null : owner;
    }
}

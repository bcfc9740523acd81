using Kv.Core.Buckets;
using Kv.Core.Routing;
using Kv.Distribution.Nodes;

namespace Kv.Core.Application;

/// <summary>How <see cref="KvNode.StartAsync"/> starts a kv node.</summary>
public sealed class KvNodeOptions
{
    /// <summary>The node itself: its name, cookie and directory (<see cref="NodeOptions"/>).</summary>
    public required NodeOptions Node { get; init; }

    /// <summary>
    /// The router, with the routing table (<see cref="NodesFile"/>) and this node's bucket registry;
    /// by default every bucket is local, in a new <see cref="BucketRegistry"/>.
    /// </summary>
    public Router? Router { get; init; }

    /// <summary>
    /// One's own modules to export besides kv's: types whose <c>[Export]</c> methods are static,
    /// static classes included (what <c>FunctionRegistry.RegisterModule(Type)</c> takes).
    /// </summary>
    public IReadOnlyList<Type> Modules { get; init; } = [];

    /// <summary>
    /// Send <see cref="Console"/> output of work started from another node back to that node (see
    /// <see cref="Kv.Distribution.Processes.ConsoleForwarding"/>), as the console host does; on by
    /// default. It replaces <see cref="Console.Out"/> for the whole process, so turn it off for all
    /// but one node when a process runs several.
    /// </summary>
    public bool ForwardConsole { get; init; } = true;
}

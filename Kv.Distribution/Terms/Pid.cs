using Kv.Distribution.Nodes;

namespace Kv.Distribution.Terms;

/// <summary>
/// A process id: names one process on one incarnation of one node, wherever the holder is.
/// Crosses the wire as MessagePack extension type <see cref="TermExtensions.Pid"/>.
/// </summary>
/// <param name="Node">The node the process runs on, <c>name@host</c>.</param>
/// <param name="Id">The process's number on that node.</param>
/// <param name="Creation">The node's creation: tells a restarted node's processes from its former self's.</param>
public readonly record struct Pid(NodeName Node, ulong Id, uint Creation)
{
    /// <inheritdoc />
    public override string ToString() => $"#PID<{Node}.{Id}.{Creation}>";
}

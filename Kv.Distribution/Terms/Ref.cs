using Kv.Distribution.Nodes;

namespace Kv.Distribution.Terms;

/// <summary>
/// A reference: a value unique across the nodes, used to tag calls, monitors and tasks.
/// Crosses the wire as MessagePack extension type <see cref="TermExtensions.Ref"/>.
/// </summary>
/// <param name="Node">The node that made it.</param>
/// <param name="Id">Its number on that node.</param>
/// <param name="Creation">That node's creation.</param>
public readonly record struct Ref(NodeName Node, ulong Id, uint Creation)
{
    /// <inheritdoc />
    public override string ToString() => $"#Reference<{Node}.{Id}.{Creation}>";
}

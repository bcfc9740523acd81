namespace Kv.Distribution.Nodes;

/// <summary>A node came up or went down, as seen from this node (Erlang's <c>nodeup</c> / <c>nodedown</c>).</summary>
public sealed class NodeEventArgs(NodeName node, string? reason) : EventArgs
{
    /// <summary>The node.</summary>
    public NodeName Node { get; } = node;

    /// <summary>Why the link went down; <see langword="null"/> for a node that came up.</summary>
    public string? Reason { get; } = reason;
}

/// <summary>The answer of <see cref="Node.PingAsync"/>, as Erlang's <c>Node.ping</c> gives it.</summary>
public enum PingResult
{
    /// <summary>The node answered: a link is up.</summary>
    Pong,

    /// <summary>The node could not be reached.</summary>
    Pang,
}

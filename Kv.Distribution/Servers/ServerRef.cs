using Kv.Distribution.Nodes;
using Kv.Distribution.Terms;

namespace Kv.Distribution.Servers;

/// <summary>How a server is addressed: by pid, or by the name it is registered under on a node (Erlang's <c>{name, node}</c>).</summary>
public readonly record struct ServerRef
{
    private ServerRef(Pid? pid, string? name, NodeName node)
    {
        Pid = pid;
        Name = name;
        Node = node;
    }

    /// <summary>The server's pid, when addressed by pid.</summary>
    public Pid? Pid { get; }

    /// <summary>The registered name, when addressed by name.</summary>
    public string? Name { get; }

    /// <summary>The node of a named server.</summary>
    public NodeName Node { get; }

    /// <summary>The server with this pid.</summary>
    public static ServerRef To(Pid pid) => new(pid, null, default);

    /// <summary>The server registered as <paramref name="name"/> on <paramref name="node"/>.</summary>
    public static ServerRef To(string name, NodeName node) => new(null, name, node);

    /// <summary>Addresses a server by pid.</summary>
    public static implicit operator ServerRef(Pid pid) => To(pid);

    /// <inheritdoc />
    public override string ToString() => Pid?.ToString() ?? $"{{{Name}, {Node}}}";
}

namespace Kv.Server.Distribution;

/// <summary>The node's distribution settings, bound from the command line (<c>--sname</c>, <c>--name</c>, ...).</summary>
internal sealed class NodeHostOptions
{
    /// <summary><c>--sname foo</c>: a short name, <c>foo@</c>this host's short name.</summary>
    public string? SName { get; set; }

    /// <summary><c>--name foo@host.example.com</c>: a full name.</summary>
    public string? Name { get; set; }

    /// <summary><c>--cookie</c>; else <c>KV_COOKIE</c>, else <c>~/.kv.cookie</c>.</summary>
    public string? Cookie { get; set; }

    /// <summary><c>--hidden</c>: stay out of the full mesh.</summary>
    public bool Hidden { get; set; }

    /// <summary><c>--dist-port</c>: pin the distribution listen port (ephemeral by default).</summary>
    public int DistPort { get; set; }

    /// <summary><c>--tick-time</c> in seconds: a silent link is declared down after this long.</summary>
    public double TickTime { get; set; } = 15;

    /// <summary><c>--nodes PATH</c>: the routing table file; else <c>nodes.json</c> in the working directory when there is one.</summary>
    public string? Nodes { get; set; }

    /// <summary>This node's name as given, or <see langword="null"/> when not distributed.</summary>
    public string? NodeNameText => Name ?? SName;

    /// <summary><c>--load Hello</c>: optional modules to export, comma-separated (see <see cref="LoadableModules"/>).</summary>
    public string? Load { get; set; }

    /// <summary>The modules of <see cref="Load"/>.</summary>
    public IEnumerable<string> Modules => (Load ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Whether a name was given: a node without one is not distributed.</summary>
    public bool IsDistributed => !string.IsNullOrWhiteSpace(SName) || !string.IsNullOrWhiteSpace(Name);
}

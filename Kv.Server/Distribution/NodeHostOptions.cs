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

    /// <summary>
    /// <c>--dist-bind ADDRESS</c>: the address the distribution listener binds (every interface by
    /// default, as other hosts' nodes must reach it). A loopback address keeps the node to this host,
    /// and the port mapper it hosts too.
    /// </summary>
    public string DistBind { get; set; } = "0.0.0.0";

    /// <summary><c>--tick-time</c> in seconds: a silent link is declared down after this long.</summary>
    public double TickTime { get; set; } = 15;

    /// <summary><c>--nodes PATH</c>: the routing table file; else <c>nodes.json</c> in the working directory when there is one.</summary>
    public string? Nodes { get; set; }

    /// <summary><c>--tls DIR</c>: TLS on every link, with this node's files in DIR as <c>scripts/make-certs.sh</c> lays them out.</summary>
    public string? Tls { get; set; }

    /// <summary><c>--tls-cert PATH</c>: this node's certificate (PEM, or a PKCS#12 bundle without <c>--tls-key</c>); turns TLS on.</summary>
    public string? TlsCert { get; set; }

    /// <summary><c>--tls-key PATH</c>: the private key of <see cref="TlsCert"/> (PEM).</summary>
    public string? TlsKey { get; set; }

    /// <summary><c>--tls-ca PATH</c>: the cluster's CA certificate (PEM), which every peer's certificate must be signed by.</summary>
    public string? TlsCa { get; set; }

    /// <summary>The TLS settings of the links of <paramref name="self"/>, or <see langword="null"/> when TLS is off.</summary>
    /// <exception cref="Kv.Distribution.Tls.LinkTlsException">A file is missing or cannot be used.</exception>
    public Kv.Distribution.Tls.LinkTls? LoadTls(Kv.Distribution.Nodes.NodeName self)
    {
        if (TlsCert is not null)
        {
            var authority = TlsCa ?? (Tls is null ? null : Path.Combine(Tls, "ca.pem"))
                ?? throw new Kv.Distribution.Tls.LinkTlsException("--tls-cert needs --tls-ca, the cluster's CA certificate that peers are checked against.");
            return Kv.Distribution.Tls.LinkTls.Load(TlsCert, TlsKey, authority, Environment.GetEnvironmentVariable("KV_TLS_PASSWORD"));
        }

        return Tls is null ? null : Kv.Distribution.Tls.LinkTls.FromDirectory(Tls, self);
    }

    /// <summary>This node's name as given, or <see langword="null"/> when not distributed.</summary>
    public string? NodeNameText => Name ?? SName;

    /// <summary><c>--load Hello</c>: optional modules to export, comma-separated (see <see cref="LoadableModules"/>).</summary>
    public string? Load { get; set; }

    /// <summary>The modules of <see cref="Load"/>.</summary>
    public IEnumerable<string> Modules => (Load ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Whether a name was given: a node without one is not distributed.</summary>
    public bool IsDistributed => !string.IsNullOrWhiteSpace(SName) || !string.IsNullOrWhiteSpace(Name);
}

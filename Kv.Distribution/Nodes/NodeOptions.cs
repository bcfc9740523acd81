using System.Net;

namespace Kv.Distribution.Nodes;

/// <summary>How a node is started.</summary>
public sealed class NodeOptions
{
    /// <summary>The node's name (<c>--sname</c> / <c>--name</c>).</summary>
    public required NodeName Name { get; init; }

    /// <summary>The shared secret; nodes link only when their cookies are equal. See <see cref="Cookie.Resolve"/>.</summary>
    public required string Cookie { get; init; }

    /// <summary>Where other nodes find this one and it finds them (the port mapper, or a fixed table).</summary>
    public required INodeDirectory Directory { get; init; }

    /// <summary>The distribution listen address; every interface by default.</summary>
    public IPAddress ListenAddress { get; init; } = IPAddress.Any;

    /// <summary>The distribution listen port; 0 (the default) takes an ephemeral port.</summary>
    public int ListenPort { get; init; }

    /// <summary>A hidden node links only to the nodes it names itself and stays out of the full mesh.</summary>
    public bool Hidden { get; init; }

    /// <summary>
    /// A link that hears nothing for this long is declared down. A tick is sent on a link that has
    /// written nothing for a quarter of it, so a live peer is never silent that long; a dead one is
    /// detected between 3/4 and 5/4 of it after its last frame.
    /// </summary>
    public TimeSpan TickTime { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The limit for each step of the handshake (and for connecting).</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The default rpc timeout.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The largest frame body sent or accepted; a larger one closes the link (received) or throws (sent).</summary>
    public int MaxFrameLength { get; init; } = 16 * 1024 * 1024;

    /// <summary>
    /// Bytes queued on a link, not yet written, past which it is busy (Erlang's
    /// <c>dist_buf_busy_limit</c>, <c>+zdbbl</c>): requests and <c>SendAsync</c> wait until it drains.
    /// </summary>
    public long LinkBusyBytes { get; init; } = 1024 * 1024;

    /// <summary>
    /// Bytes queued on a link past which a message sent without waiting (<c>Send</c>) is dropped as a
    /// dead letter (<c>kv.dist.dead_letters</c>, reason <c>link_full</c>): the bound on a sender's memory.
    /// </summary>
    public long LinkMaxQueuedBytes { get; init; } = 64 * 1024 * 1024;

    /// <summary>Where the node's console group leader writes output of processes started from here; <see cref="Console.Out"/> at start when null.</summary>
    public TextWriter? Console { get; init; }

    /// <summary>
    /// TLS on every link (<see cref="Tls.LinkTls"/>), or <see langword="null"/> (the default) for
    /// plaintext links: either way the cookie handshake authenticates the peer, but only TLS keeps
    /// what follows from being read or changed on the way. All nodes of a cluster must agree.
    /// </summary>
    public Tls.LinkTls? Tls { get; init; }

    /// <summary>The creation number; by default a fresh one per start, so a restarted node is told from its former self.</summary>
    public uint? Creation { get; init; }
}

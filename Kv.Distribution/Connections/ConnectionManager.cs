using System.Collections.Concurrent;
using System.Net.Sockets;
using Kv.Distribution.Control;
using Kv.Distribution.Nodes;
using Kv.Distribution.Rpc;
using Kv.Distribution.Support;
using Kv.Distribution.Terms;
using Kv.Distribution.Wire;
using Microsoft.Extensions.Logging;

namespace Kv.Distribution.Connections;

/// <summary>
/// The links of a node (Orleans' <c>ConnectionManager</c>, Erlang's <c>net_kernel</c>): accepts
/// links, sets them up on first use, settles simultaneous connects, forms the full mesh, and says
/// when a link comes up, goes down, or cannot be set up.
/// </summary>
/// <remarks>
/// <para>Nothing here blocks a thread on the network. <see cref="Send"/> puts a frame on the link
/// when it is up, or queues it on the attempt that sets the link up (starting one when needed); the
/// attempt's queue becomes the link's, so frames leave in the order they were sent.</para>
/// <para>An attempt ends within <see cref="NodeOptions.HandshakeTimeout"/> of its start, whatever
/// fails (the directory or port mapper, the TCP connect, the handshake): its waiters get
/// <see cref="RpcFailure.NoConnection"/> with the step that failed, its queued frames are dropped
/// as dead letters, and <see cref="Unreachable"/> lets links and monitors to that node end with
/// <c>noconnection</c>.</para>
/// <para>The parts live in files by concern: <c>.Calls</c> (an rpc put on its link), <c>.Connect</c> (routing a caller to a link or an
/// attempt, running and failing attempts), <c>.Accept</c> (the listener and the acceptor's answer),
/// <c>.Reconnect</c> (peers known to be unreachable: fail fast, probe, retry in the background) and
/// <c>.Refusals</c> (rate-limited logs of refused peers).</para>
/// </remarks>
internal sealed partial class ConnectionManager(
    NodeOptions options,
    HandshakeIdentity identity,
    TermCodec terms,
    DistributionMetrics metrics,
    ILogger logger,
    RequestSweeper sweeper,
    CancellationToken stopping)
{
    /// <summary>What fails the links' requests at their deadlines: each link tells it of every request it adds.</summary>
    public RequestSweeper Sweeper => sweeper;

    // Guards link set-up and tear-down (cold paths). Sends read _connections without it.
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<NodeName, NodeConnection> _connections = new();
    private readonly Dictionary<NodeName, ConnectAttempt> _attempts = [];
    private readonly HashSet<NodeName> _accepting = [];
    private readonly UnreachablePeers _unreachable = new();
    private readonly Support.LogThrottle _unreachableLog = new(TimeSpan.FromSeconds(1));
    private Func<NodeConnection, IControlHandler> _handlers = static _ => throw new InvalidOperationException("The node has not started.");
    private Task _acceptLoop = Task.CompletedTask;

    /// <summary>A link came up. Handlers run on the link's thread and must not throw.</summary>
    public event Action<NodeConnection>? LinkUp;

    /// <summary>A link that was up went down, with the reason.</summary>
    public event Action<NodeName, string>? LinkDown;

    /// <summary>A link could not be set up, with the reason; frames queued for it were dropped.</summary>
    public event Action<NodeName, string>? Unreachable;

    /// <summary>The visible nodes with a link up, ordered by name; hidden nodes are left out.</summary>
    public IReadOnlyList<NodeName> ConnectedNodes =>
        [.. _connections.Values.Where(c => !c.PeerHidden && !c.IsClosed).Select(c => c.Peer).OrderBy(n => n.ToString(), StringComparer.Ordinal)];

    /// <summary>Every link that is up, ordered by peer.</summary>
    public IReadOnlyList<LinkStatus> Statuses() =>
        [.. _connections.Values.Where(c => !c.IsClosed)
            .Select(c => new LinkStatus(c.Peer, c.PeerCreation, c.Outbound, c.PeerHidden, c.Outbox.QueuedBytes, c.Outbox.BusyTime, c.Age))
            .OrderBy(l => l.Peer.ToString(), StringComparer.Ordinal)];

    /// <summary>Each link's queued bytes, for <c>kv.dist.link.queued_bytes</c>.</summary>
    public IEnumerable<System.Diagnostics.Metrics.Measurement<long>> QueuedBytes() =>
        _connections.Values.Select(c => new System.Diagnostics.Metrics.Measurement<long>(c.Outbox.QueuedBytes, new KeyValuePair<string, object?>("peer", c.Peer.ToString())));

    /// <summary>Starts accepting links on <paramref name="listener"/>; each link's frames go to the handler <paramref name="handlers"/> makes for it.</summary>
    public void Start(Socket listener, Func<NodeConnection, IControlHandler> handlers)
    {
        _handlers = handlers;
        _acceptLoop = AcceptLoopAsync(listener);
    }

    /// <summary>Closes every link and waits for the accept loop to end (the listener must be closed first).</summary>
    public async Task StopAsync()
    {
        foreach (var connection in _connections.Values)
        {
            connection.Close("this node stopped");
        }

        await _acceptLoop;
    }

    /// <summary>
    /// Puts <paramref name="frame"/> on the link to <paramref name="peer"/>, or queues it while the
    /// link is set up; when there is neither, starts setting one up if <paramref name="connect"/>,
    /// else drops the frame. Never blocks.
    /// </summary>
    /// <remarks>
    /// Signals that only matter while a link is up (an unlink, a demonitor, the exit signal of a
    /// linked process, a down message) go with <paramref name="connect"/> false: had the link gone
    /// down, both sides would already have seen the link or monitor end with <c>noconnection</c>.
    /// </remarks>
    /// <returns>
    /// <see langword="false"/> when the frame was dropped because the node cannot be reached (or is
    /// this one). A <paramref name="bulk"/> frame (a process's message) is also dropped when the
    /// link's queue is full (<see cref="NodeOptions.LinkMaxQueuedBytes"/>): that returns
    /// <see langword="true"/>, counted as a dead letter <c>link_full</c>.
    /// </returns>
    /// <exception cref="TermException">A value in the frame cannot cross the wire; nothing was queued.</exception>
    /// <exception cref="FrameTooLargeException">The frame is over the maximum; nothing was queued.</exception>
    public bool Send<T>(NodeName peer, in T frame, bool connect = true, bool bulk = false)
        where T : struct, IFrameContent
    {
        if (_connections.TryGetValue(peer, out var connection) && !connection.IsClosed)
        {
            if (bulk && connection.Outbox.IsFull)
            {
                metrics.DeadLetter("link_full");
                return true;
            }

            if (connection.Send(frame))
            {
                return true;
            }
        }

        if (peer.IsEmpty || peer == identity.Name || stopping.IsCancellationRequested)
        {
            return false;
        }

        var (up, attempt, _) = Route(peer, connect ? LinkUse.Send : LinkUse.IfUp);
        var outbox = up?.Outbox ?? attempt?.Outbox;
        if (outbox is null)
        {
            return false;
        }

        if (bulk && outbox.IsFull)
        {
            metrics.DeadLetter("link_full");
            return true;
        }

        return outbox.Send(frame);
    }

    /// <summary>
    /// Completes when the link to <paramref name="peer"/> (or the attempt setting it up) is not busy:
    /// at once when it is not, when there is none, or when it goes down.
    /// </summary>
    public ValueTask WhenWritableAsync(NodeName peer)
    {
        if (_connections.TryGetValue(peer, out var connection) && !connection.IsClosed)
        {
            return connection.Outbox.WhenWritableAsync();
        }

        lock (_gate)
        {
            return _attempts.TryGetValue(peer, out var attempt) ? attempt.Outbox.WhenWritableAsync() : ValueTask.CompletedTask;
        }
    }

    /// <summary>The link to <paramref name="peer"/>, set up on first use.</summary>
    /// <param name="peer">The node.</param>
    /// <param name="deadline">When a request that needs the link times out (<see cref="Deadline"/>; <see cref="long.MaxValue"/> for none): a link not up by then fails it with <see cref="RpcFailure.Timeout"/>.</param>
    /// <param name="cancellationToken">Abandons the wait.</param>
    /// <param name="force">Try even a peer known to be unreachable (an explicit connect or ping), instead of failing at once.</param>
    /// <exception cref="RpcException"><see cref="RpcFailure.NoConnection"/>: the node cannot be reached (at once when it is known to be unreachable); <see cref="RpcFailure.Timeout"/>: not within the deadline.</exception>
    public ValueTask<NodeConnection> GetConnectionAsync(NodeName peer, long deadline, CancellationToken cancellationToken, bool force = false)
    {
        if (_connections.TryGetValue(peer, out var connection) && !connection.IsClosed)
        {
            return ValueTask.FromResult(connection);
        }

        if (peer == identity.Name)
        {
            throw new ArgumentException($"{peer} is this node; there is no link to oneself.", nameof(peer));
        }

        var (up, attempt, gated) = Route(peer, force ? LinkUse.Force : LinkUse.Request);
        if (up is not null)
        {
            return ValueTask.FromResult(up);
        }

        if (gated is not null)
        {
            return attempt is null
                ? throw new RpcException(RpcFailure.NoConnection, peer.ToString(), $"Cannot reach {peer}: {gated} (it is retried in the background; requests fail at once meanwhile).")
                : new ValueTask<NodeConnection>(ProbeAsync(attempt, gated, deadline, cancellationToken));
        }

        return new ValueTask<NodeConnection>(WaitForLinkAsync(attempt!, deadline, cancellationToken));
    }

    /// <summary>Sets up the link to <paramref name="peer"/>, even one known to be unreachable (Erlang's <c>Node.connect</c>).</summary>
    public ValueTask<NodeConnection> ConnectAsync(NodeName peer, CancellationToken cancellationToken) =>
        GetConnectionAsync(peer, long.MaxValue, cancellationToken, force: true);

    /// <summary>Closes the link to <paramref name="peer"/>; <see langword="false"/> when there was none.</summary>
    public bool Disconnect(NodeName peer)
    {
        if (!_connections.TryGetValue(peer, out var connection) || connection.IsClosed)
        {
            return false;
        }

        connection.Close("disconnected by this node");
        return true;
    }

    /// <summary>Ticks idle links and closes silent ones (<see cref="NodeConnection.CheckTicks"/>).</summary>
    public void Tick(long now, long tickTimeMs)
    {
        foreach (var connection in _connections.Values)
        {
            connection.CheckTicks(now, tickTimeMs);
        }
    }

    /// <summary>Fails every request whose deadline has passed (for <see cref="Sweeper"/>).</summary>
    /// <returns>The earliest deadline of the requests left, <see cref="long.MaxValue"/> when none is.</returns>
    public long ExpireRequests(long now)
    {
        var earliest = long.MaxValue;
        foreach (var connection in _connections.Values)
        {
            earliest = Math.Min(earliest, connection.ExpireRequests(now));
        }

        return earliest;
    }

    /// <summary>A peer told us the nodes it is linked to: link to those we are not (the full mesh).</summary>
    public void OnPeersAnnounced(NodeConnection from, IReadOnlyList<string> peers)
    {
        if (options.Hidden || from.PeerHidden)
        {
            return;
        }

        foreach (var text in peers)
        {
            if (NodeName.TryParse(text, out var peer, out _) && peer != identity.Name && !_connections.ContainsKey(peer))
            {
                _ = Route(peer, LinkUse.Send);
            }
        }
    }

    /// <summary>Called once by a link as it goes down.</summary>
    public void OnConnectionClosed(NodeConnection connection, string reason)
    {
        lock (_gate)
        {
            _connections.TryRemove(KeyValuePair.Create(connection.Peer, connection));
        }

        // Gated before anyone hears of the link's end (its pending calls fail after this returns):
        // requests that follow must find the peer known to be unreachable.
        if (connection.WentSilent && !stopping.IsCancellationRequested)
        {
            GateAndRetry(connection.Peer, reason);
        }

        metrics.LinkDown();
        DistributionLog.LinkDown(logger, connection.Peer.ToString(), reason);

        LinkDown?.Invoke(connection.Peer, reason);
    }

    /// <summary>Makes the link of a finished handshake; it adopts the attempt to that peer, with the frames queued on it.</summary>
    private void Register(Socket socket, Stream stream, HandshakeResult peer, bool outbound)
    {
        // Keyed by the very name the peer's pids will carry: a send's lookup is then a reference check.
        peer = peer with { Peer = terms.Intern(peer.Peer) };

        // A link to a former incarnation of the peer is stale: it goes down first (its links and
        // monitors end with noconnection), then the new one comes up, as Erlang replaces it.
        if (StaleLinkTo(peer) is { } stale)
        {
            stale.Close($"replaced by a new incarnation of {peer.Peer} (creation {peer.Creation}, was {stale.PeerCreation})");
        }

        NodeConnection connection;
        ConnectAttempt? attempt;
        lock (_gate)
        {
            if (!outbound)
            {
                _accepting.Remove(peer.Peer);
            }

            if (_connections.TryGetValue(peer.Peer, out var existing) && !existing.IsClosed)
            {
                stream.Dispose();
                socket.Dispose();
                return;
            }

            _attempts.Remove(peer.Peer, out attempt);
            if (attempt is not null)
            {
                attempt.Adopted = true;
            }

            var outbox = attempt?.Outbox ?? NewOutbox();
            connection = new NodeConnection(socket, stream, peer, outbound, outbox, options, terms, metrics, logger, this);
            _connections[peer.Peer] = connection;
        }

        _unreachable.Lift(peer.Peer);
        connection.Start(_handlers(connection));
        metrics.LinkUp();
        DistributionLog.LinkUp(logger, peer.Peer.ToString(), outbound ? "outbound" : "inbound", peer.Creation);
        if (stopping.IsCancellationRequested)
        {
            connection.Close("this node stopped");
        }

        attempt?.Completion.TrySetResult(connection);
        if (connection.IsClosed)
        {
            return;
        }

        LinkUp?.Invoke(connection);
        AnnouncePeers(connection);
    }

    /// <summary>The link up to <paramref name="peer"/>'s name when it belongs to another incarnation.</summary>
    private NodeConnection? StaleLinkTo(HandshakeResult peer)
    {
        lock (_gate)
        {
            return _connections.TryGetValue(peer.Peer, out var existing) && !existing.IsClosed && existing.PeerCreation != peer.Creation
                ? existing
                : null;
        }
    }

    private FrameOutbox NewOutbox() => new(terms, options.MaxFrameLength, options.LinkBusyBytes, options.LinkMaxQueuedBytes, metrics);

    /// <summary>Tells a new visible peer which other visible nodes this one is linked to, so that it links to them too.</summary>
    private void AnnouncePeers(NodeConnection connection)
    {
        if (options.Hidden || connection.PeerHidden)
        {
            return;
        }

        var others = ConnectedNodes.Where(n => n != connection.Peer).Select(n => n.ToString()).ToArray();
        if (others.Length > 0)
        {
            connection.Send(new PeersFrame(others));
        }
    }

}

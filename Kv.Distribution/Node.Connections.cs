using System.Collections.Concurrent;
using System.Net.Sockets;
using Kv.Distribution.Connections;
using Kv.Distribution.Nodes;
using Kv.Distribution.Rpc;
using Kv.Distribution.Wire;

namespace Kv.Distribution;

/// <summary>The links of a node: connect on first use, simultaneous connects, the full mesh, node up and down.</summary>
public sealed partial class Node
{
    // Guards link set-up and tear-down (cold paths). Sends read _connections without it.
    private readonly Lock _linkGate = new();
    private readonly ConcurrentDictionary<NodeName, NodeConnection> _connections = new();
    private readonly Dictionary<NodeName, TaskCompletionSource<NodeConnection>> _connecting = [];

    /// <summary>A link to another node came up. Handlers run on the link's thread and must not throw.</summary>
    public event EventHandler<NodeEventArgs>? NodeUp;

    /// <summary>A link to another node went down, with the reason. Handlers must not throw.</summary>
    public event EventHandler<NodeEventArgs>? NodeDown;

    /// <summary>The visible nodes this node has links to (Erlang's <c>Node.list()</c>); hidden nodes are left out.</summary>
    public IReadOnlyList<NodeName> ConnectedNodes =>
        [.. _connections.Values.Where(c => !c.PeerHidden && !c.IsClosed).Select(c => c.Peer).OrderBy(n => n.ToString(), StringComparer.Ordinal)];

    /// <summary>Sets up a link to <paramref name="node"/> unless there is one (Erlang's <c>Node.connect</c>).</summary>
    /// <returns><see langword="true"/> when a link is up.</returns>
    public async Task<bool> ConnectAsync(NodeName node, CancellationToken cancellationToken = default)
    {
        if (node == Name)
        {
            return true;
        }

        try
        {
            await GetConnectionAsync(node, cancellationToken);
            return true;
        }
        catch (RpcException)
        {
            return false;
        }
    }

    /// <summary>Closes the link to <paramref name="node"/> (Erlang's <c>Node.disconnect</c>); it comes back on next use.</summary>
    /// <returns><see langword="false"/> when there was no link.</returns>
    public bool Disconnect(NodeName node)
    {
        if (!_connections.TryGetValue(node, out var connection) || connection.IsClosed)
        {
            return false;
        }

        connection.Close("disconnected by this node");
        return true;
    }

    /// <summary>Tries to link to <paramref name="node"/>: <see cref="PingResult.Pong"/> when it answers, else <see cref="PingResult.Pang"/>.</summary>
    public async Task<PingResult> PingAsync(NodeName node, CancellationToken cancellationToken = default) =>
        await ConnectAsync(node, cancellationToken) ? PingResult.Pong : PingResult.Pang;

    /// <summary>The link to <paramref name="node"/>, set up on first use.</summary>
    /// <exception cref="RpcException">With <see cref="RpcFailure.NoConnection"/>: the node cannot be reached.</exception>
    internal ValueTask<NodeConnection> GetConnectionAsync(NodeName node, CancellationToken cancellationToken)
    {
        if (_connections.TryGetValue(node, out var connection) && !connection.IsClosed)
        {
            return ValueTask.FromResult(connection);
        }

        return new ValueTask<NodeConnection>(ConnectSlowAsync(node, cancellationToken));
    }

    private Task<NodeConnection> ConnectSlowAsync(NodeName node, CancellationToken cancellationToken)
    {
        if (node == Name)
        {
            throw new ArgumentException($"{node} is this node; there is no link to oneself.", nameof(node));
        }

        TaskCompletionSource<NodeConnection> attempt;
        lock (_linkGate)
        {
            if (_connections.TryGetValue(node, out var connection) && !connection.IsClosed)
            {
                return Task.FromResult(connection);
            }

            // An attempt that has ended is not reused: its link may be down already, or its failure old.
            if (!_connecting.TryGetValue(node, out attempt!) || attempt.Task.IsCompleted)
            {
                attempt = new TaskCompletionSource<NodeConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
                _connecting[node] = attempt;
                _ = RunConnectAsync(node, attempt);
            }
        }

        return attempt.Task.WaitAsync(cancellationToken);
    }

    private async Task RunConnectAsync(NodeName node, TaskCompletionSource<NodeConnection> attempt)
    {
        Socket? socket = null;
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            deadline.CancelAfter(Options.HandshakeTimeout);
            var endPoint = await Options.Directory.ResolveAsync(node, deadline.Token)
                ?? throw NoConnection(node, $"no node named '{node.Name}' is registered on {node.Host}");

            DistributionLog.Connecting(Logger, node.ToString(), endPoint);
            socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(endPoint, deadline.Token);
            var stream = new NetworkStream(socket, ownsSocket: false);
            var handshake = new Handshake(new HandshakeChannel(stream, Options.HandshakeTimeout), _identity);
            var peer = await handshake.InitiateAsync(node, _stopping.Token);
            attempt.TrySetResult(Register(socket, stream, peer, outbound: true));
        }
        catch (HandshakeException ex) when (ex.Failure == HandshakeFailure.SimultaneousConnect)
        {
            // The peer's own connection to us wins (see Decide). Register completes the attempt when
            // that link is up; if it never comes, fail after the handshake timeout.
            socket?.Dispose();
            await Task.WhenAny(attempt.Task, Task.Delay(Options.HandshakeTimeout * 2, _stopping.Token)).ConfigureAwait(false);
            attempt.TrySetException(NoConnection(node, "a simultaneous connection from it did not complete"));
        }
        catch (HandshakeException ex)
        {
            socket?.Dispose();
            Metrics.Error("handshake");
            DistributionLog.HandshakeRefused(Logger, node.ToString(), ex.Step.ToString(), ex.Message);
            attempt.TrySetException(NoConnection(node, ex.Message, ex));
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            socket?.Dispose();
            Metrics.Error("connect");
            var reason = ex is OperationCanceledException ? $"no link within {Options.HandshakeTimeout.TotalMilliseconds:0} ms" : ex.Message;
            attempt.TrySetException(NoConnection(node, reason, ex));
        }
        catch (RpcException ex)
        {
            socket?.Dispose();
            attempt.TrySetException(ex);
        }
        finally
        {
            lock (_linkGate)
            {
                if (_connecting.TryGetValue(node, out var current) && current == attempt)
                {
                    _connecting.Remove(node);
                }
            }
        }
    }

    private async Task AcceptAsync(Socket socket)
    {
        socket.NoDelay = true;
        var remote = socket.RemoteEndPoint?.ToString() ?? "unknown";
        try
        {
            var stream = new NetworkStream(socket, ownsSocket: false);
            var handshake = new Handshake(new HandshakeChannel(stream, Options.HandshakeTimeout), _identity);
            var peer = await handshake.AcceptAsync(Decide, _stopping.Token);
            Register(socket, stream, peer, outbound: false);
        }
        catch (Exception ex) when (ex is HandshakeException or OperationCanceledException or ObjectDisposedException)
        {
            socket.Dispose();
            if (ex is HandshakeException refused && refused.Failure != HandshakeFailure.SimultaneousConnect)
            {
                Metrics.Error("handshake");
                DistributionLog.HandshakeRefused(Logger, remote, refused.Step.ToString(), refused.Message);
            }
        }
    }

    /// <summary>
    /// The acceptor's answer to a node that wants a link:
    /// 1. a link to that name is already up: <c>alive</c> (a second node under the same name is refused);
    /// 2. this node is itself connecting to it: the link started by the greater name survives, so
    ///    answer <c>nok</c> when the caller's name is the smaller (our own attempt goes on), else
    ///    <c>ok</c> (our attempt then gets <c>nok</c> from the peer and waits for this link);
    /// 3. otherwise <c>ok</c>.
    /// </summary>
    private string Decide(HandshakeResult peer)
    {
        if (peer.Peer == Name)
        {
            return Handshake.Status.NotAllowed;
        }

        lock (_linkGate)
        {
            if (_connections.TryGetValue(peer.Peer, out var existing) && !existing.IsClosed)
            {
                return Handshake.Status.Alive;
            }

            if (_connecting.ContainsKey(peer.Peer) && NodeName.CompareOrdinal(peer.Peer, Name) < 0)
            {
                return Handshake.Status.Nok;
            }

            return Handshake.Status.Ok;
        }
    }

    private NodeConnection Register(Socket socket, NetworkStream stream, HandshakeResult peer, bool outbound)
    {
        NodeConnection connection;
        TaskCompletionSource<NodeConnection>? attempt;
        lock (_linkGate)
        {
            if (_connections.TryGetValue(peer.Peer, out var existing) && !existing.IsClosed)
            {
                socket.Dispose();
                return existing;
            }

            connection = new NodeConnection(this, socket, stream, peer, outbound);
            _connections[peer.Peer] = connection;
            _connecting.Remove(peer.Peer, out attempt);
        }

        connection.Start();
        Metrics.LinkUp();
        DistributionLog.LinkUp(Logger, peer.Peer.ToString(), outbound ? "outbound" : "inbound", peer.Creation);
        if (!IsAlive)
        {
            connection.Close("this node stopped");
            return connection;
        }

        attempt?.TrySetResult(connection);
        NodeUp?.Invoke(this, new NodeEventArgs(peer.Peer, null));
        AnnouncePeers(connection);
        return connection;
    }

    /// <summary>Tells a new visible peer which other visible nodes this one is linked to, so that it links to them too.</summary>
    private void AnnouncePeers(NodeConnection connection)
    {
        if (Options.Hidden || connection.PeerHidden)
        {
            return;
        }

        var others = ConnectedNodes.Where(n => n != connection.Peer).Select(n => n.ToString()).ToArray();
        if (others.Length > 0)
        {
            connection.Send(new PeersFrame(others));
        }
    }

    internal void OnPeersAnnounced(NodeConnection from, string[] peers)
    {
        if (Options.Hidden || from.PeerHidden)
        {
            return;
        }

        foreach (var text in peers)
        {
            if (NodeName.TryParse(text, out var peer, out _) && peer != Name && !_connections.ContainsKey(peer))
            {
                _ = ConnectAsync(peer, _stopping.Token);
            }
        }
    }

    internal void OnConnectionClosed(NodeConnection connection, string reason)
    {
        lock (_linkGate)
        {
            _connections.TryRemove(KeyValuePair.Create(connection.Peer, connection));
        }

        Metrics.LinkDown();
        DistributionLog.LinkDown(Logger, connection.Peer.ToString(), reason);
        OnNodeDownForProcesses(connection.Peer);
        NodeDown?.Invoke(this, new NodeEventArgs(connection.Peer, reason));
    }

    private static RpcException NoConnection(NodeName node, string reason, Exception? inner = null) =>
        new(RpcFailure.NoConnection, node.ToString(), $"Cannot reach {node}: {reason}.", innerException: inner);
}

using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Kv.Distribution.Nodes;
using Kv.Distribution.Tls;

namespace Kv.Distribution.Connections;

/// <summary>The accepting side of <see cref="ConnectionManager"/>: the accept loop, and the acceptor's answer to a node that wants a link.</summary>
internal sealed partial class ConnectionManager
{
    /// <summary>How many inbound handshakes may be under way at once (each ends within the handshake timeout).</summary>
    public const int MaxPendingHandshakes = 64;

    private int _pendingHandshakes;

    /// <summary>
    /// Accepts links until the node stops. A failed accept (out of file descriptors, say) waits
    /// before the next try and is logged at most every few seconds; a link that would hold one of
    /// the process's last descriptors is closed at once (<see cref="Support.AcceptBackoff"/>).
    /// </summary>
    private async Task AcceptLoopAsync(Socket listener)
    {
        var backoff = new Support.AcceptBackoff($"the distribution listener {listener.LocalEndPoint}", logger);
        while (await backoff.AcceptAsync(listener, stopping) is { } socket)
        {
            // Before authentication a peer costs a socket and a handshake's buffers: at most
            // MaxPendingHandshakes of them at once; past that a connection is closed at once.
            if (Interlocked.Increment(ref _pendingHandshakes) > MaxPendingHandshakes)
            {
                Interlocked.Decrement(ref _pendingHandshakes);
                metrics.Error("handshake_limit");
                LogRefusedHandshake(socket.RemoteEndPoint?.ToString() ?? "unknown", new HandshakeException(
                    HandshakeStep.RecvName, HandshakeFailure.NotAllowed, $"{MaxPendingHandshakes} handshakes are already pending"));
                socket.Dispose();
                continue;
            }

            _ = AcceptAsync(socket);
        }
    }

    private async Task AcceptAsync(Socket socket)
    {
        socket.NoDelay = true;
        var remote = socket.RemoteEndPoint?.ToString() ?? "unknown";
        NodeName? accepted = null;
        Stream? stream = null;
        string? certificateRefusal = null;
        try
        {
            HandshakeResult peer;
            try
            {
                stream = new NetworkStream(socket, ownsSocket: false);
                X509Certificate2? certificate = null;
                if (options.Tls is { } tls)
                {
                    using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                    deadline.CancelAfter(options.HandshakeTimeout);
                    var plaintext = new Handshake(new HandshakeChannel(stream, options.HandshakeTimeout), identity);
                    (stream, certificate) = await TlsChannel.AcceptAsync(tls, socket, stream, plaintext, deadline.Token);
                }

                var handshake = new Handshake(new HandshakeChannel(stream, options.HandshakeTimeout), identity);
                peer = await handshake.AcceptAsync(
                    result =>
                    {
                        // The certificate must name the node the peer says it is.
                        if (certificate is not null && !LinkTls.Names(certificate, result.Peer))
                        {
                            certificateRefusal = $"its certificate ({certificate.Subject}) does not name {result.Peer}, the node it says it is";
                            return Handshake.Status.NotAllowed;
                        }

                        return Decide(result, ref accepted);
                    },
                    stopping);
            }
            finally
            {
                Interlocked.Decrement(ref _pendingHandshakes);
            }

            Register(socket, stream, peer, outbound: false);
        }
        catch (Exception ex) when (ex is HandshakeException or OperationCanceledException or ObjectDisposedException or IOException or SocketException)
        {
            if (stream is not null)
            {
                await stream.DisposeAsync();
            }

            socket.Dispose();
            if (accepted is { } peer)
            {
                lock (_gate)
                {
                    _accepting.Remove(peer);
                }
            }

            if (ex is HandshakeException refused && refused.Failure != HandshakeFailure.SimultaneousConnect)
            {
                metrics.Error("handshake");
                LogRefusedHandshake(remote, certificateRefusal is null ? refused : new HandshakeException(refused.Step, HandshakeFailure.Certificate, certificateRefusal));
            }
        }
    }

    /// <summary>
    /// The acceptor's answer to a node that wants a link:
    /// 1. a link to that very incarnation (name and creation) is already up: <c>alive</c>; a link to
    ///    another incarnation of that name is stale (the node restarted), and is replaced once the
    ///    new one authenticates;
    /// 2. this node is itself connecting to it: the link started by the greater name survives, so
    ///    answer <c>nok</c> when the caller's name is the smaller (our own attempt goes on), else
    ///    <c>ok</c> (our attempt then gets <c>nok</c> from the peer and waits for this link);
    /// 3. otherwise <c>ok</c>, and the peer is being accepted (<paramref name="accepted"/>) until its link is registered.
    /// </summary>
    private string Decide(HandshakeResult peer, ref NodeName? accepted)
    {
        if (peer.Peer == identity.Name)
        {
            return Handshake.Status.NotAllowed;
        }

        lock (_gate)
        {
            // Only the same incarnation hears 'alive': a restarted node (another creation) goes on,
            // and its link replaces the stale one once it has proved the cookie (Register). So an
            // unauthenticated peer learns nothing of which links exist but by guessing a creation.
            if (_connections.TryGetValue(peer.Peer, out var existing) && !existing.IsClosed && existing.PeerCreation == peer.Creation)
            {
                return Handshake.Status.Alive;
            }

            if (_attempts.ContainsKey(peer.Peer) && NodeName.CompareOrdinal(peer.Peer, identity.Name) < 0)
            {
                return Handshake.Status.Nok;
            }

            _accepting.Add(peer.Peer);
            accepted = peer.Peer;
            return Handshake.Status.Ok;
        }
    }

    /// <summary>Whether this node has said <c>ok</c> to a link from <paramref name="peer"/> that is not registered yet.</summary>
    private bool IsBeingAccepted(NodeName peer)
    {
        lock (_gate)
        {
            return _accepting.Contains(peer) || (_connections.TryGetValue(peer, out var up) && !up.IsClosed);
        }
    }
}

using System.Net.Sockets;
using Kv.Distribution.Nodes;
using Kv.Distribution.Tls;
using Kv.Distribution.Wire;
using Microsoft.Extensions.Logging;

namespace Kv.Distribution.Connections;

/// <summary>
/// One attempt to set up the link to <see cref="Peer"/>: its steps (<see cref="ConnectAsync"/>), and
/// the frames sent to the peer meanwhile, which wait in <see cref="Outbox"/>. That outbox becomes
/// the link's own once it is up, so they leave first and in order. The attempt ends exactly once:
/// with the link (whichever side's connection won), or with <see cref="Rpc.RpcFailure.NoConnection"/>
/// and a reason that names the step that failed.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "The abort source has no timer; it is only ever cancelled.")]
internal sealed class ConnectAttempt(NodeName peer, FrameOutbox outbox, bool background = false)
{
    private readonly CancellationTokenSource _abort = new();

    public NodeName Peer { get; } = peer;

    /// <summary>Whether the node started it on its own, to find out whether an unreachable peer is back (<see cref="UnreachablePeers"/>).</summary>
    public bool Background { get; } = background;

    /// <summary>When it started (<see cref="Environment.TickCount64"/> ms).</summary>
    public long Started { get; } = Environment.TickCount64;

    /// <summary>Frames for the peer, queued until the link is up.</summary>
    public FrameOutbox Outbox { get; } = outbox;

    /// <summary>Whether a link took it over (with its queued frames); set under the manager's lock.</summary>
    public bool Adopted { get; set; }

    /// <summary>Whether a newer attempt replaced it (<see cref="Abort"/>); set under the manager's lock.</summary>
    public bool Superseded { get; set; }

    /// <summary>Completes with the link, or fails with <see cref="Rpc.RpcException"/> NoConnection.</summary>
    public TaskCompletionSource<NodeConnection> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Gives up (a newer attempt replaces this one): its steps end at once.</summary>
    public void Abort() => _abort.Cancel();

    /// <summary>
    /// Looks the peer up, connects and runs the initiator's handshake, all within
    /// <see cref="NodeOptions.HandshakeTimeout"/>.
    /// </summary>
    /// <exception cref="HandshakeException">Only when the peer answers about a link in the other direction: <c>nok</c> (a simultaneous connect its side wins) or <c>alive</c>.</exception>
    /// <exception cref="ConnectException">Any other failure, whatever its cause (the port mapper's answer, a reset, a timeout), naming the step.</exception>
    public async Task<(Socket Socket, Stream Stream, HandshakeResult Peer)> ConnectAsync(
        NodeOptions options, HandshakeIdentity identity, ILogger logger, CancellationToken stopping)
    {
        var step = "looking it up";
        Socket? socket = null;
        Stream? stream = null;
        var connected = false;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping, _abort.Token);
        deadline.CancelAfter(options.HandshakeTimeout);
        try
        {
            var endPoint = await options.Directory.ResolveAsync(Peer, deadline.Token)
                ?? throw new ConnectException($"no node named '{Peer.Name}' is registered on {Peer.Host}");

            step = $"connecting to {endPoint}";
            DistributionLog.Connecting(logger, Peer.ToString(), endPoint);
            socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(endPoint, deadline.Token);

            stream = new NetworkStream(socket, ownsSocket: false);
            if (options.Tls is { } tls)
            {
                step = $"the TLS handshake with {endPoint}";
                stream = await TlsChannel.ConnectAsync(tls, stream, Peer, deadline.Token);
            }

            step = $"the handshake with {endPoint}";
            var handshake = new Handshake(new HandshakeChannel(stream, options.HandshakeTimeout), identity);
            var peer = await handshake.InitiateAsync(Peer, deadline.Token);
            connected = true;
            return (socket, stream, peer);
        }
        catch (HandshakeException ex) when (ex.Failure is HandshakeFailure.SimultaneousConnect or HandshakeFailure.AlreadyConnected)
        {
            // Answers about a link in the other direction: the manager decides whether to wait for it.
            throw;
        }
        catch (HandshakeException ex)
        {
            DistributionLog.HandshakeRefused(logger, Peer.ToString(), ex.Step.ToString(), ex.Message);
            throw new ConnectException($"{step} failed at {ex.Step}: {ex.Message}", ex);
        }
        catch (OperationCanceledException ex)
        {
            var why = stopping.IsCancellationRequested ? "this node is stopping"
                : _abort.IsCancellationRequested ? "replaced by a newer attempt"
                : $"no answer within {options.HandshakeTimeout.TotalMilliseconds:0} ms";
            throw new ConnectException($"{step}: {why}", ex);
        }
        catch (Exception ex) when (ex is not ConnectException)
        {
            // Whatever else failed (the port mapper, a reset, an unreachable host) ends the attempt
            // too: no waiter is ever left without an answer.
            throw new ConnectException($"{step}: {ex.Message}", ex);
        }
        finally
        {
            if (!connected)
            {
                // TLS's stream holds native state: it goes with the socket.
                stream?.Dispose();
                socket?.Dispose();
            }
        }
    }
}

/// <summary>A step of setting up a link failed; the message names the step and why.</summary>
internal sealed class ConnectException : Exception
{
    public ConnectException(string message)
        : base(message)
    {
    }

    public ConnectException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public ConnectException()
    {
    }
}

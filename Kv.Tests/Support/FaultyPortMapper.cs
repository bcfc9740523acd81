using System.Net;
using System.Net.Sockets;

namespace Kv.Tests.Support;

/// <summary>How a <see cref="FaultyPortMapper"/> breaks the port-mapper protocol.</summary>
public enum PortMapperFault
{
    /// <summary>Accepts, reads, and never answers; the socket stays open.</summary>
    Silent,

    /// <summary>Answers every request with bytes outside the protocol (a length of 0xFFFF).</summary>
    Garbage,

    /// <summary>Accepts and closes at once with a reset (RST), before any answer.</summary>
    Reset,
}

/// <summary>
/// A real TCP listener on 127.0.0.1 (an ephemeral port) that plays a broken port mapper, so that a
/// test sees what a node does when the port mapper of the node it wants times out, garbles or resets.
/// With <c>acceptRegistrations</c> it answers Register with RegisterOk (and holds that connection,
/// as a real port mapper does) and breaks only the other requests: a node process can then start
/// with it as its own port mapper and meet the fault only when it looks another node up.
/// </summary>
/// <remarks>Disposing stops the listener and closes every socket it accepted.</remarks>
internal sealed class FaultyPortMapper : IAsyncDisposable
{
    /// <summary>What <see cref="PortMapperFault.Garbage"/> answers: a length over the protocol's 1024, then noise.</summary>
    private static readonly byte[] s_garbage = [0xFF, 0xFF, 0x7F, 0x00, 0x13, 0x37];

    /// <summary>RegisterOk: length 1, tag 0x81 (PROTOCOL.md, "Port mapper").</summary>
    private static readonly byte[] s_registerOk = [0x00, 0x01, 0x81];

    private const byte RegisterTag = 0x01;

    private readonly Socket _listener;
    private readonly bool _acceptRegistrations;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Socket> _accepted = [];
    private readonly List<Task> _sessions = [];
    private readonly Task _acceptLoop;
    private int _connections;
    private int _requests;

    private FaultyPortMapper(PortMapperFault fault, bool acceptRegistrations)
    {
        Fault = fault;
        _acceptRegistrations = acceptRegistrations;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(512);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _acceptLoop = AcceptLoopAsync();
    }

    public PortMapperFault Fault { get; }

    /// <summary>The port it listens on, on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>How many connections it has accepted: proof that a node asked it.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>How many requests other than Register it has read (and broken).</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Starts one, listening at once.</summary>
    public static FaultyPortMapper Start(PortMapperFault fault, bool acceptRegistrations = false) => new(fault, acceptRegistrations);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Dispose();
        await _acceptLoop;
        Task[] sessions;
        lock (_accepted)
        {
            foreach (var socket in _accepted)
            {
                socket.Dispose();
            }

            sessions = [.. _sessions];
        }

        await Task.WhenAll(sessions);
        _stopping.Dispose();
    }

    public override string ToString() => $"{Fault} port mapper on 127.0.0.1:{Port}";

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            Interlocked.Increment(ref _connections);
            lock (_accepted)
            {
                if (_stopping.IsCancellationRequested)
                {
                    socket.Dispose();
                    return;
                }

                _accepted.Add(socket);
                _sessions.Add(ServeAsync(socket));
            }
        }
    }

    /// <summary>Reads requests one by one and breaks each (but Register, when registrations are accepted).</summary>
    private async Task ServeAsync(Socket socket)
    {
        try
        {
            if (Fault == PortMapperFault.Reset && !_acceptRegistrations)
            {
                Reset(socket);
                return;
            }

            var buffer = new byte[1024];
            while (true)
            {
                // A request is 2 bytes of length, then that many bytes: the tag and its payload.
                if (!await ReadExactlyAsync(socket, buffer.AsMemory(0, 2)))
                {
                    return;
                }

                var length = Math.Min((buffer[0] << 8) | buffer[1], buffer.Length);
                if (length == 0 || !await ReadExactlyAsync(socket, buffer.AsMemory(0, length)))
                {
                    return;
                }

                if (_acceptRegistrations && buffer[0] == RegisterTag)
                {
                    // Registered: the connection now only holds the registration.
                    await socket.SendAsync(s_registerOk, SocketFlags.None, _stopping.Token);
                    continue;
                }

                Interlocked.Increment(ref _requests);
                switch (Fault)
                {
                    case PortMapperFault.Garbage:
                        await socket.SendAsync(s_garbage, SocketFlags.None, _stopping.Token);
                        break;
                    case PortMapperFault.Reset:
                        Reset(socket);
                        return;
                    default:
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Stopped, or the client went away: nothing to do.
        }
    }

    private static void Reset(Socket socket)
    {
        // Linger on with a zero timeout: close sends RST instead of FIN.
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    /// <summary>Fills <paramref name="buffer"/>; <see langword="false"/> when the peer closed first.</summary>
    private async Task<bool> ReadExactlyAsync(Socket socket, Memory<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, _stopping.Token);
            if (read == 0)
            {
                return false;
            }

            buffer = buffer[read..];
        }

        return true;
    }
}

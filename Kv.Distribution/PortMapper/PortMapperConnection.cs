using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace Kv.Distribution.PortMapper;

/// <summary>
/// One port-mapper socket, either side: reads whole messages through
/// <see cref="PortMapperProtocol.TryRead"/> into a buffer of one maximal message, and sends.
/// </summary>
/// <remarks>
/// A read that finds a message outside the protocol returns its status and leaves the
/// connection unusable; the owner closes it. Socket errors and cancellation surface as
/// exceptions, as from <see cref="Socket"/>.
/// </remarks>
internal sealed class PortMapperConnection(Socket socket) : IDisposable
{
    private readonly byte[] _buffer = new byte[PortMapperProtocol.MaxFrameLength];
    private int _filled;

    /// <summary>The peer's address, read once at creation so that it is known after the peer has gone.</summary>
    public EndPoint? RemoteEndPoint { get; } = socket.RemoteEndPoint;

    /// <summary>Connects to a port mapper at <paramref name="endPoint"/>.</summary>
    public static async Task<PortMapperConnection> ConnectAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken);
            return new PortMapperConnection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Receives until a whole message, the end of the stream, or bytes outside the protocol.</summary>
    public async ValueTask<(PortMapperReadStatus Status, PortMapperMessage Message)> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var status = PortMapperProtocol.TryRead(_buffer.AsSpan(0, _filled), out var message, out var consumed);
            if (status == PortMapperReadStatus.Message)
            {
                _buffer.AsSpan(consumed, _filled - consumed).CopyTo(_buffer);
                _filled -= consumed;
                return (status, message);
            }

            if (status != PortMapperReadStatus.NeedMoreData)
            {
                return (status, message);
            }

            // The buffer holds one maximal message, so a message that needs more data always has room.
            var read = await socket.ReceiveAsync(_buffer.AsMemory(_filled), SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                return (_filled == 0 ? PortMapperReadStatus.Closed : PortMapperReadStatus.Truncated, default);
            }

            _filled += read;
        }
    }

    /// <summary>Sends every byte written to <paramref name="output"/>.</summary>
    public async ValueTask SendAsync(ArrayBufferWriter<byte> output, CancellationToken cancellationToken)
    {
        var bytes = output.WrittenMemory;
        while (!bytes.IsEmpty)
        {
            var sent = await socket.SendAsync(bytes, SocketFlags.None, cancellationToken);
            bytes = bytes[sent..];
        }
    }

    /// <summary>Closes the socket; a registration held by it ends.</summary>
    public void Dispose() => socket.Dispose();
}

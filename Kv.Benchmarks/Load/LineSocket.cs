using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Kv.Benchmarks.Load;

/// <summary>
/// A client connection to a line protocol: raw socket, one preallocated receive buffer, replies
/// read line by line in place. Nothing is allocated per line once the connection is open.
/// </summary>
/// <remarks>Not thread-safe: one loop owns a connection.</remarks>
internal sealed class LineSocket : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly byte[] _receive;
    private int _start;
    private int _end;
    private int _lineStart;
    private int _lineLength;

    private LineSocket(Socket socket, int receiveBufferSize)
    {
        _socket = socket;
        _receive = GC.AllocateUninitializedArray<byte>(receiveBufferSize, pinned: true);
    }

    /// <summary>The last line read, with its <c>\r\n</c> (or <c>\n</c>).</summary>
    public ReadOnlySpan<byte> Line => _receive.AsSpan(_lineStart, _lineLength);

    /// <summary>Connects to <paramref name="endPoint"/>; <paramref name="receiveBufferSize"/> must hold the longest line expected.</summary>
    public static async Task<LineSocket> ConnectAsync(IPEndPoint endPoint, int receiveBufferSize, CancellationToken cancellationToken)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken);
            return new LineSocket(socket, receiveBufferSize);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends every byte of <paramref name="data"/>.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            var sent = await _socket.SendAsync(data, SocketFlags.None, cancellationToken);
            data = data[sent..];
        }
    }

    /// <summary>Reads the next line into <see cref="Line"/>; completes synchronously when it is already buffered.</summary>
    /// <exception cref="IOException">The server closed the connection.</exception>
    /// <exception cref="InvalidDataException">A line does not fit in the receive buffer.</exception>
    public ValueTask ReadLineAsync(CancellationToken cancellationToken) =>
        TryTakeLine() ? ValueTask.CompletedTask : ReceiveLineAsync(cancellationToken);

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ReceiveLineAsync(CancellationToken cancellationToken)
    {
        do
        {
            if (_end == _receive.Length)
            {
                Compact();
            }

            var received = await _socket.ReceiveAsync(_receive.AsMemory(_end), SocketFlags.None, cancellationToken);
            if (received == 0)
            {
                throw new IOException("The server closed the connection.");
            }

            _end += received;
        }
        while (!TryTakeLine());
    }

    private bool TryTakeLine()
    {
        var newline = _receive.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
        if (newline < 0)
        {
            return false;
        }

        _lineStart = _start;
        _lineLength = newline + 1;
        _start += _lineLength;
        if (_start == _end)
        {
            _start = _end = 0;
        }

        return true;
    }

    /// <summary>Moves the partial line to the front of the buffer to make room after it.</summary>
    private void Compact()
    {
        if (_start == 0)
        {
            throw new InvalidDataException($"A reply line is longer than the {_receive.Length}-byte receive buffer.");
        }

        _receive.AsSpan(_start, _end - _start).CopyTo(_receive);
        _end -= _start;
        _start = 0;
    }
}

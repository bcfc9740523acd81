using System.Net.Sockets;

namespace Kv.Benchmarks.RawText;

/// <summary>A connection's receive buffer: what has come and not yet been consumed, grown for a long frame.</summary>
internal sealed class RawInput
{
    private const int MaxSize = 16 * 1024 * 1024;

    private byte[] _buffer = new byte[64 * 1024];
    private int _filled;

    /// <summary>The bytes received and not consumed.</summary>
    public ReadOnlySpan<byte> Filled => _buffer.AsSpan(0, _filled);

    /// <summary>Receives more after what is there.</summary>
    /// <returns><see langword="false"/> when the peer closed.</returns>
    /// <exception cref="InvalidDataException">The buffer is full at its largest: a line or frame too long.</exception>
    public async ValueTask<bool> ReceiveAsync(Socket socket)
    {
        if (_filled == _buffer.Length)
        {
            Grow(_buffer.Length * 2);
        }

        var received = await socket.ReceiveAsync(_buffer.AsMemory(_filled), SocketFlags.None);
        _filled += received;
        return received > 0;
    }

    /// <summary>Makes room for <paramref name="size"/> bytes in all.</summary>
    public void Grow(int size)
    {
        if (size > MaxSize)
        {
            throw new InvalidDataException($"more than {MaxSize} bytes without a complete line or frame");
        }

        if (size > _buffer.Length)
        {
            Array.Resize(ref _buffer, size);
        }
    }

    /// <summary>Drops the first <paramref name="count"/> bytes.</summary>
    public void Consume(int count)
    {
        _buffer.AsSpan(count, _filled - count).CopyTo(_buffer);
        _filled -= count;
    }
}

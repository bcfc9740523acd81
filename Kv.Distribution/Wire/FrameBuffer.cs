using System.Buffers;
using System.Buffers.Binary;

namespace Kv.Distribution.Wire;

/// <summary>
/// A growable, pooled byte buffer that frames are serialized into: the length prefix is reserved
/// first and filled in when the body is complete, so a body is written once, straight into place.
/// </summary>
internal sealed class FrameBuffer : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer;
    private int _written;

    public FrameBuffer(int initialSize = 16 * 1024) => _buffer = ArrayPool<byte>.Shared.Rent(initialSize);

    /// <summary>The bytes written so far.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    /// <summary>How many bytes are written.</summary>
    public int Length => _written;

    /// <summary>Reserves a frame's length prefix; returns where the frame starts.</summary>
    public int BeginFrame()
    {
        var start = _written;
        GetSpan(FrameReader.PrefixLength);
        _written += FrameReader.PrefixLength;
        return start;
    }

    /// <summary>Fills in the prefix of the frame begun at <paramref name="start"/>; returns the body length.</summary>
    public int EndFrame(int start)
    {
        var length = _written - start - FrameReader.PrefixLength;
        BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(start), (uint)length);
        return length;
    }

    /// <summary>Forgets everything written from <paramref name="start"/> on (a frame that failed to serialize).</summary>
    public void Truncate(int start) => _written = start;

    /// <summary>Empties the buffer, keeping its memory.</summary>
    public void Reset() => _written = 0;

    public void Advance(int count) => _written += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        _written = 0;
    }

    private void Ensure(int sizeHint)
    {
        var needed = _written + Math.Max(sizeHint, 256);
        if (needed <= _buffer.Length)
        {
            return;
        }

        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _buffer.Length * 2));
        _buffer.AsSpan(0, _written).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }
}

using System.Buffers;
using System.Buffers.Binary;

namespace Kv.Benchmarks.RawText;

/// <summary>A growable output of pooled memory whose length fields can be filled in after what they measure.</summary>
internal sealed class RawOutput(int size = 16 * 1024) : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(size);

    /// <summary>The bytes written.</summary>
    public int Count { get; private set; }

    /// <summary>What was written.</summary>
    public ReadOnlyMemory<byte> Written => _buffer.AsMemory(0, Count);

    /// <summary>Leaves room for a length, to be filled in by <see cref="EndLength"/>; returns where it is.</summary>
    public int BeginLength()
    {
        GetSpan(4);
        Count += 4;
        return Count - 4;
    }

    /// <summary>Fills in the length begun at <paramref name="at"/>: the bytes written after it.</summary>
    public void EndLength(int at) =>
        BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(at), (uint)(Count - at - 4));

    public void Write(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        Count += bytes.Length;
    }

    public void Reset() => Count = 0;

    public void Advance(int count) => Count += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        GetSpan(sizeHint);
        return _buffer.AsMemory(Count);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        if (_buffer.Length - Count < Math.Max(sizeHint, 1))
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, Count + sizeHint));
            _buffer.AsSpan(0, Count).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }

        return _buffer.AsSpan(Count);
    }

    public void Dispose() => ArrayPool<byte>.Shared.Return(_buffer);
}

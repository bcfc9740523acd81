using System.Buffers;

namespace Kv.Distribution.Support;

/// <summary>
/// A growable byte buffer in arrays rented from <see cref="ArrayPool{T}.Shared"/>: it grows by
/// renting a larger array, and <see cref="Dispose"/> gives its array back, so a buffer filled and
/// let go again and again (a frame, a large reply) costs no garbage.
/// </summary>
/// <remarks>
/// <para>As a term (an rpc function's value, say) it is written as a binary of its bytes. An rpc
/// function that returns one gives it to the node: the node disposes it once the reply frame holds
/// a copy of its bytes. Anywhere else, whoever made it disposes it, or leaves its array to the
/// collector.</para>
/// <para>Not thread-safe. Nothing it has handed out (<see cref="WrittenMemory"/>, a span) may be
/// used after <see cref="Dispose"/>.</para>
/// </remarks>
public class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
    /// <summary>The least it grows by, so that small writes do not rent again and again.</summary>
    private const int MinimumGrowth = 256;

    private byte[] _buffer;
    private int _written;

    /// <summary>Rents an array of at least <paramref name="initialSize"/> bytes.</summary>
    public PooledBufferWriter(int initialSize = MinimumGrowth) =>
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(1, initialSize));

    /// <summary>The bytes written so far.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    /// <summary>How many bytes are written.</summary>
    public int WrittenCount => _written;

    /// <summary>The bytes written so far, to change in place (a length prefix filled in at the end).</summary>
    protected Span<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    /// <summary>Forgets everything written from <paramref name="length"/> on.</summary>
    public void Truncate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, _written);
        _written = length;
    }

    /// <summary>Empties the buffer, keeping its array.</summary>
    public void Reset() => _written = 0;

    /// <inheritdoc/>
    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _buffer.Length - _written);
        _written += count;
    }

    /// <inheritdoc/>
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    /// <inheritdoc/>
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    /// <summary>Gives the array back to the pool; the buffer is empty after, and grows again if written to.</summary>
    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _written = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        GC.SuppressFinalize(this);
    }

    private void Ensure(int sizeHint)
    {
        var needed = _written + Math.Max(sizeHint, 1);
        if (needed <= _buffer.Length)
        {
            return;
        }

        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, Math.Max(_buffer.Length * 2, MinimumGrowth)));
        _buffer.AsSpan(0, _written).CopyTo(larger);
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = larger;
    }
}

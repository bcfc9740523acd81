using System.Buffers;
using Kv.Distribution.Support;

namespace Kv.Tests.Distribution;

/// <summary>The pooled buffer that frames and large rpc values are written into.</summary>
public sealed class PooledBufferWriterTests
{
    [Fact]
    public void Growing_KeepsWhatWasWritten()
    {
        using var buffer = new PooledBufferWriter(4);
        var bytes = Enumerable.Range(0, 10_000).Select(i => (byte)i).ToArray();

        foreach (var chunk in bytes.Chunk(7))
        {
            buffer.Write(chunk);
        }

        Assert.Equal(bytes, buffer.WrittenMemory.ToArray());
        Assert.Equal(bytes.Length, buffer.WrittenCount);
    }

    [Fact]
    public void Truncate_ForgetsTheTail_AndRefusesToGrow()
    {
        using var buffer = new PooledBufferWriter();
        buffer.Write("abcdef"u8);

        buffer.Truncate(2);
        buffer.Write("Z"u8);

        Assert.Equal("abZ"u8.ToArray(), buffer.WrittenMemory.ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Truncate(4));
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Truncate(-1));
    }

    [Fact]
    public void Advance_PastWhatWasAskedFor_Throws()
    {
        using var buffer = new PooledBufferWriter(16);
        var room = buffer.GetSpan(16).Length;

        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Advance(room + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Advance(-1));
    }

    [Fact]
    public void Dispose_EmptiesIt_AndItCanBeWrittenAgain()
    {
        var buffer = new PooledBufferWriter();
        buffer.Write("abc"u8);

        buffer.Dispose();
        Assert.Equal(0, buffer.WrittenCount);
        buffer.Dispose(); // twice is harmless

        buffer.Write("xy"u8);
        Assert.Equal("xy"u8.ToArray(), buffer.WrittenMemory.ToArray());
        buffer.Dispose();
    }
}

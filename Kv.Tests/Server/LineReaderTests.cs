using System.Buffers;
using System.Text;
using Kv.Server.Protocol;

namespace Kv.Tests.Server;

public sealed class LineReaderTests
{
    [Fact]
    public void TryReadLine_TwoLines_ReadsEachAndLeavesTheRest()
    {
        var buffer = new ReadOnlySequence<byte>("GET a b\r\nPUT a b c\nCREA"u8.ToArray());

        Assert.Equal(LineStatus.Line, LineReader.TryReadLine(ref buffer, 64, out var first));
        Assert.Equal("GET a b\r", Encoding.UTF8.GetString(first));
        Assert.Equal(LineStatus.Line, LineReader.TryReadLine(ref buffer, 64, out var second));
        Assert.Equal("PUT a b c", Encoding.UTF8.GetString(second));
        Assert.Equal(LineStatus.NeedMoreData, LineReader.TryReadLine(ref buffer, 64, out _));
        Assert.Equal("CREA", Encoding.UTF8.GetString(buffer));
    }

    [Fact]
    public void TryReadLine_LineSpanningSegments_IsFound()
    {
        var buffer = Segments("PU", "T a ", "b c\r", "\nX");

        Assert.Equal(LineStatus.Line, LineReader.TryReadLine(ref buffer, 64, out var line));
        Assert.Equal("PUT a b c\r", Encoding.UTF8.GetString(line));
        Assert.Equal("X", Encoding.UTF8.GetString(buffer));
    }

    [Fact]
    public void TryReadLine_OneByteAtATime_FindsTheLineOnlyWhenComplete()
    {
        var text = "CREATE shopping\r\n"u8.ToArray();
        for (var end = 0; end < text.Length; end++)
        {
            var partial = new ReadOnlySequence<byte>(text, 0, end);
            Assert.Equal(LineStatus.NeedMoreData, LineReader.TryReadLine(ref partial, 64, out _));
        }

        var whole = new ReadOnlySequence<byte>(text);
        Assert.Equal(LineStatus.Line, LineReader.TryReadLine(ref whole, 64, out _));
        Assert.True(whole.IsEmpty);
    }

    [Fact]
    public void TryReadLine_UnterminatedBeyondLimit_IsTooLong()
    {
        var buffer = new ReadOnlySequence<byte>(new byte[17]);

        Assert.Equal(LineStatus.TooLong, LineReader.TryReadLine(ref buffer, 16, out _));
    }

    [Fact]
    public void TryReadLine_TerminatedBeyondLimit_IsTooLong()
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(new string('x', 17) + "\n"));

        Assert.Equal(LineStatus.TooLong, LineReader.TryReadLine(ref buffer, 16, out _));
    }

    [Fact]
    public void TryReadLine_ExactlyAtLimit_IsALine()
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(new string('x', 16) + "\n"));

        Assert.Equal(LineStatus.Line, LineReader.TryReadLine(ref buffer, 16, out var line));
        Assert.Equal(16, line.Length);
    }

    private static ReadOnlySequence<byte> Segments(params string[] parts)
    {
        var first = new Segment(Encoding.UTF8.GetBytes(parts[0]), 0);
        var last = first;
        foreach (var part in parts.Skip(1))
        {
            last = last.Append(Encoding.UTF8.GetBytes(part));
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] bytes, long runningIndex)
        {
            Memory = bytes;
            RunningIndex = runningIndex;
        }

        public Segment Append(byte[] bytes)
        {
            var next = new Segment(bytes, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}

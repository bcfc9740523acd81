using System.Buffers;
using Kv.Distribution.Wire;

namespace Kv.Tests.Distribution;

public sealed class FrameReaderTests
{
    [Fact]
    public void TryRead_TwoFramesAndATick_ReadsEach()
    {
        var buffer = new ReadOnlySequence<byte>(new byte[] { 0, 0, 0, 2, 0xAA, 0xBB, 0, 0, 0, 0, 0, 0, 0, 1, 0xCC });

        Assert.Equal(FrameStatus.Frame, FrameReader.TryRead(ref buffer, 16, out var first, out _));
        Assert.Equal(new byte[] { 0xAA, 0xBB }, first.ToArray());
        Assert.Equal(FrameStatus.Frame, FrameReader.TryRead(ref buffer, 16, out var tick, out _));
        Assert.True(tick.IsEmpty);
        Assert.Equal(FrameStatus.Frame, FrameReader.TryRead(ref buffer, 16, out var last, out _));
        Assert.Equal(new byte[] { 0xCC }, last.ToArray());
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void TryRead_ByteAtATime_NeedsMoreUntilComplete()
    {
        var frame = new byte[] { 0, 0, 0, 3, 1, 2, 3 };
        for (var end = 0; end < frame.Length; end++)
        {
            var partial = new ReadOnlySequence<byte>(frame, 0, end);
            Assert.Equal(FrameStatus.NeedMoreData, FrameReader.TryRead(ref partial, 16, out _, out _));
        }
    }

    [Fact]
    public void TryRead_LengthOverTheMaximum_IsTooLarge_BeforeTheBodyArrives()
    {
        var buffer = new ReadOnlySequence<byte>(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF });

        Assert.Equal(FrameStatus.TooLarge, FrameReader.TryRead(ref buffer, 1024, out _, out var length));
        Assert.Equal(uint.MaxValue, (ulong)length);
    }

    [Fact]
    public void TryRead_ContiguousBytes_FindsEachFrame_NeedsMoreForAPartOne_TooLargeFromThePrefix()
    {
        ReadOnlySpan<byte> bytes = [0, 0, 0, 2, 0xAA, 0xBB, 0, 0, 0, 0, 0, 0, 0, 3, 0xCC];

        Assert.Equal(FrameStatus.Frame, FrameReader.TryRead(bytes, 16, out var first));
        Assert.Equal(2, first);
        Assert.Equal(FrameStatus.Frame, FrameReader.TryRead(bytes[6..], 16, out var tick));
        Assert.Equal(0, tick);
        Assert.Equal(FrameStatus.NeedMoreData, FrameReader.TryRead(bytes[10..], 16, out _));
        Assert.Equal(FrameStatus.NeedMoreData, FrameReader.TryRead(bytes[..3], 16, out _));
        Assert.Equal(FrameStatus.TooLarge, FrameReader.TryRead([0xFF, 0xFF, 0xFF, 0xFF], 1024, out var length));
        Assert.Equal(uint.MaxValue, (ulong)length);
    }

    [Fact]
    public void FrameBuffer_PatchesTheLengthPrefix()
    {
        using var buffer = new FrameBuffer(8);
        var start = buffer.BeginFrame();
        buffer.Write(new byte[300]);
        Assert.Equal(300, buffer.EndFrame(start));

        var sequence = new ReadOnlySequence<byte>(buffer.WrittenMemory);
        Assert.Equal(FrameStatus.Frame, FrameReader.TryRead(ref sequence, 1024, out var body, out _));
        Assert.Equal(300, body.Length);
    }
}

using System.Buffers.Binary;
using Kv.Distribution.Support;

namespace Kv.Distribution.Wire;

/// <summary>
/// A pooled byte buffer that frames are serialized into: the length prefix is reserved first and
/// filled in when the body is complete, so a body is written once, straight into place.
/// </summary>
internal sealed class FrameBuffer(int initialSize = 16 * 1024) : PooledBufferWriter(initialSize)
{
    /// <summary>Reserves a frame's length prefix; returns where the frame starts.</summary>
    public int BeginFrame()
    {
        var start = WrittenCount;
        GetSpan(FrameReader.PrefixLength);
        Advance(FrameReader.PrefixLength);
        return start;
    }

    /// <summary>Fills in the prefix of the frame begun at <paramref name="start"/>; returns the body length.</summary>
    public int EndFrame(int start)
    {
        var length = WrittenCount - start - FrameReader.PrefixLength;
        BinaryPrimitives.WriteUInt32BigEndian(WrittenSpan[start..], (uint)length);
        return length;
    }
}

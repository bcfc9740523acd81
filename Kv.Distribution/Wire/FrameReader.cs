using System.Buffers;
using System.Buffers.Binary;

namespace Kv.Distribution.Wire;

/// <summary>What <see cref="FrameReader"/> found at the start of the buffer.</summary>
internal enum FrameStatus
{
    /// <summary>A whole frame was read and removed from the buffer.</summary>
    Frame,

    /// <summary>The frame is not complete yet.</summary>
    NeedMoreData,

    /// <summary>The length prefix announces more than the maximum; the link must be closed.</summary>
    TooLarge,
}

/// <summary>
/// Finds frames in received bytes: <c>[4-byte big-endian length][body]</c>. Pure, bounded, no IO:
/// the length is checked against the maximum before anything else is looked at.
/// </summary>
internal static class FrameReader
{
    /// <summary>The size of the length prefix.</summary>
    public const int PrefixLength = 4;

    /// <summary>
    /// Finds the first frame of contiguous bytes (a read loop cuts most frames out of one segment
    /// this way, with no sequence to slice): the body is the <paramref name="length"/> bytes after the prefix.
    /// </summary>
    /// <param name="buffer">Received bytes.</param>
    /// <param name="maxFrameLength">The largest body accepted.</param>
    /// <param name="length">The body length the prefix announced (valid unless <see cref="FrameStatus.NeedMoreData"/>).</param>
    public static FrameStatus TryRead(ReadOnlySpan<byte> buffer, int maxFrameLength, out long length)
    {
        length = 0;
        if (buffer.Length < PrefixLength)
        {
            return FrameStatus.NeedMoreData;
        }

        length = BinaryPrimitives.ReadUInt32BigEndian(buffer);
        if (length > maxFrameLength)
        {
            return FrameStatus.TooLarge;
        }

        return buffer.Length - PrefixLength < length ? FrameStatus.NeedMoreData : FrameStatus.Frame;
    }

    /// <summary>Takes the first frame off <paramref name="buffer"/> when it is complete.</summary>
    /// <param name="buffer">Received bytes; on <see cref="FrameStatus.Frame"/>, what follows the frame.</param>
    /// <param name="maxFrameLength">The largest body accepted.</param>
    /// <param name="body">The frame's body (empty for a tick).</param>
    /// <param name="length">The body length the prefix announced (valid unless <see cref="FrameStatus.NeedMoreData"/>).</param>
    public static FrameStatus TryRead(ref ReadOnlySequence<byte> buffer, int maxFrameLength, out ReadOnlySequence<byte> body, out long length)
    {
        body = default;
        length = 0;
        if (buffer.Length < PrefixLength)
        {
            return FrameStatus.NeedMoreData;
        }

        Span<byte> prefix = stackalloc byte[PrefixLength];
        buffer.Slice(0, PrefixLength).CopyTo(prefix);
        length = BinaryPrimitives.ReadUInt32BigEndian(prefix);
        if (length > maxFrameLength)
        {
            return FrameStatus.TooLarge;
        }

        if (buffer.Length - PrefixLength < length)
        {
            return FrameStatus.NeedMoreData;
        }

        body = buffer.Slice(PrefixLength, length);
        buffer = buffer.Slice(body.End);
        return FrameStatus.Frame;
    }
}

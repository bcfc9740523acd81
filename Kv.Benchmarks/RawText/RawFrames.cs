using System.Buffers.Binary;

namespace Kv.Benchmarks.RawText;

/// <summary>
/// The raw link's framing: <c>length:u32</c> (big-endian) then that many bytes. A call's frame holds
/// client batches, each <c>length:u32, lines</c>; its reply, in the same order, each batch's replies.
/// </summary>
internal static class RawFrames
{
    /// <summary>
    /// The length of the whole frame (header included) at the start of <paramref name="bytes"/>, or 0
    /// when it has not all come; <paramref name="needed"/> is that length once the header has come, else 4.
    /// </summary>
    public static int Complete(ReadOnlySpan<byte> bytes, out int needed)
    {
        needed = bytes.Length < 4 ? 4 : 4 + (int)BinaryPrimitives.ReadUInt32BigEndian(bytes);
        return bytes.Length >= needed ? needed : 0;
    }

    /// <summary>Reads the next <c>length:u32, bytes</c> record of <paramref name="payload"/>.</summary>
    public static ReadOnlySpan<byte> NextRecord(ref ReadOnlySpan<byte> payload)
    {
        var length = (int)BinaryPrimitives.ReadUInt32BigEndian(payload);
        var record = payload.Slice(4, length);
        payload = payload[(4 + length)..];
        return record;
    }
}

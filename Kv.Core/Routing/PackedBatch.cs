using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Kv.Core.Buckets;

namespace Kv.Core.Routing;

/// <summary>
/// How <c>KV.Router.ExecuteMany</c> carries bucket operations and their replies: each side as one
/// bin of packed records, written and read in place, so that many operations cost one term, the
/// owner runs each on the UTF-8 words it receives (<see cref="BucketRegistry"/>'s span path, as a
/// local command), and a value is copied, never converted.
/// </summary>
/// <remarks>
/// <para>Integers are big-endian, as everywhere on kv's wire. An operation:
/// <c>operation:u8, bucket length:u32, bucket, key length:u32, key, value length:u32, value</c>
/// (the <see cref="BucketOperation"/>'s number; UTF-8 words; the value is empty but for PUT).</para>
/// <para>A reply, one per operation in their order: <c>0</c> done with no value; <c>1, length:u32,
/// value</c> done with a value (a GET's, or a DELETE's old one); <c>2</c> the bucket does not
/// exist; <c>3, length:u32, type, length:u32, message</c> the operation failed with the exception
/// of that full type name (UTF-8), so that one failure does not fail the others.</para>
/// <para>A record that runs past the end of its bin is malformed: the reader throws
/// <see cref="ArgumentException"/>; the owner checks every record before it runs any
/// (<see cref="Check"/>), so the whole call fails with that exception and none of it runs.</para>
/// </remarks>
internal static class PackedBatch
{
    private const byte ReplyOk = 0;
    private const byte ReplyValue = 1;
    private const byte ReplyNotFound = 2;
    private const byte ReplyFailed = 3;

    /// <summary>Appends an operation.</summary>
    /// <returns>The bytes written.</returns>
    public static int WriteOperation(IBufferWriter<byte> output, BucketOperation operation, ReadOnlySpan<byte> bucket, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        var length = 1 + 12 + bucket.Length + key.Length + value.Length;
        var span = output.GetSpan(length);
        span[0] = (byte)operation;
        WriteField(WriteField(WriteField(span[1..], bucket), key), value);
        output.Advance(length);
        return length;
    }

    /// <summary>Reads the operation at <paramref name="offset"/> of <paramref name="packed"/> and moves past it.</summary>
    /// <returns><see langword="false"/> at the end.</returns>
    /// <exception cref="ArgumentException">A malformed record, or an empty bucket name.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An operation number that is none.</exception>
    public static bool TryReadOperation(ReadOnlyMemory<byte> packed, ref int offset, out BucketOperation operation, out ReadOnlyMemory<byte> bucket, out ReadOnlyMemory<byte> key, out ReadOnlyMemory<byte> value)
    {
        if (offset == packed.Length)
        {
            (operation, bucket, key, value) = (default, default, default, default);
            return false;
        }

        operation = BucketTerms.Operation(packed.Span[offset]);
        offset++;
        bucket = ReadField(packed, ref offset);
        key = ReadField(packed, ref offset);
        value = ReadField(packed, ref offset);
        if (bucket.IsEmpty)
        {
            throw new ArgumentException("an operation of KV.Router.ExecuteMany names no bucket", nameof(packed));
        }

        return true;
    }

    /// <summary>Reads every operation of <paramref name="packed"/> once, so that a malformed one is found before any runs.</summary>
    /// <exception cref="ArgumentException">A malformed record, or an empty bucket name.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An operation number that is none.</exception>
    public static void Check(ReadOnlyMemory<byte> packed)
    {
        var offset = 0;
        while (TryReadOperation(packed, ref offset, out _, out _, out _, out _))
        {
        }
    }

    /// <summary>Appends the reply of an operation done with <paramref name="reply"/>.</summary>
    public static void WriteReply(IBufferWriter<byte> output, in BucketReply reply)
    {
        if (reply.Status == BucketStatus.NotFound)
        {
            WriteByte(output, ReplyNotFound);
        }
        else if (reply.Value is { } value)
        {
            var span = output.GetSpan(5 + value.Length);
            span[0] = ReplyValue;
            WriteField(span[1..], value);
            output.Advance(5 + value.Length);
        }
        else
        {
            WriteByte(output, ReplyOk);
        }
    }

    /// <summary>Appends the reply of an operation that failed with <paramref name="failure"/>.</summary>
    public static void WriteFailure(IBufferWriter<byte> output, Exception failure)
    {
        var type = Encoding.UTF8.GetBytes(failure.GetType().FullName ?? failure.GetType().Name);
        var message = Encoding.UTF8.GetBytes(failure.Message);
        var length = 9 + type.Length + message.Length;
        var span = output.GetSpan(length);
        span[0] = ReplyFailed;
        WriteField(WriteField(span[1..], type), message);
        output.Advance(length);
    }

    /// <summary>
    /// Reads the reply at <paramref name="offset"/> of <paramref name="packed"/> and moves past it: a
    /// value is a slice of <paramref name="packed"/>; a failure its remote type and message.
    /// </summary>
    /// <returns><see langword="false"/> when <paramref name="packed"/> holds no further reply.</returns>
    /// <exception cref="ArgumentException">A malformed record.</exception>
    public static bool TryReadReply(ReadOnlyMemory<byte> packed, ref int offset, out BucketStatus status, out ReadOnlyMemory<byte>? value, out (string Type, string Message)? failure)
    {
        (status, value, failure) = (BucketStatus.Ok, null, null);
        if (offset == packed.Length)
        {
            return false;
        }

        var kind = packed.Span[offset];
        offset++;
        switch (kind)
        {
            case ReplyOk:
                return true;
            case ReplyValue:
                value = ReadField(packed, ref offset);
                return true;
            case ReplyNotFound:
                status = BucketStatus.NotFound;
                return true;
            case ReplyFailed:
                var type = Encoding.UTF8.GetString(ReadField(packed, ref offset).Span);
                failure = (type, Encoding.UTF8.GetString(ReadField(packed, ref offset).Span));
                return true;
            default:
                throw new ArgumentException($"a reply of KV.Router.ExecuteMany starts with {kind}, which is no reply", nameof(packed));
        }
    }

    private static Span<byte> WriteField(Span<byte> span, ReadOnlySpan<byte> field)
    {
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)field.Length);
        field.CopyTo(span[4..]);
        return span[(4 + field.Length)..];
    }

    private static ReadOnlyMemory<byte> ReadField(ReadOnlyMemory<byte> packed, ref int offset)
    {
        var span = packed.Span;
        if (span.Length - offset < 4)
        {
            throw Truncated(nameof(packed));
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(span[offset..]);
        offset += 4;
        if (length > (uint)(span.Length - offset))
        {
            throw Truncated(nameof(packed));
        }

        var field = packed.Slice(offset, (int)length);
        offset += (int)length;
        return field;
    }

    private static void WriteByte(IBufferWriter<byte> output, byte value)
    {
        output.GetSpan(1)[0] = value;
        output.Advance(1);
    }

    private static ArgumentException Truncated(string parameter) =>
        new("a record of KV.Router.ExecuteMany runs past the end of its bin", parameter);
}

using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Kv.Distribution.PortMapper;

/// <summary>What <see cref="PortMapperProtocol.TryRead"/> (or a connection's read) found.</summary>
internal enum PortMapperReadStatus
{
    /// <summary>A whole, well-formed message was read.</summary>
    Message,

    /// <summary>The bytes so far are the start of a message within the limit.</summary>
    NeedMoreData,

    /// <summary>The length field is over <see cref="PortMapperProtocol.MaxMessageLength"/>.</summary>
    TooLong,

    /// <summary>The tag byte is not a <see cref="PortMapperTag"/>.</summary>
    UnknownTag,

    /// <summary>The length is 0, or the payload does not have the tag's layout.</summary>
    Malformed,

    /// <summary>Only from a connection: the peer closed between two messages.</summary>
    Closed,

    /// <summary>Only from a connection: the peer closed in the middle of a message.</summary>
    Truncated,
}

/// <summary>
/// Encodes and decodes port-mapper messages: pure, bounded, no IO. Every message is
/// <c>[u16 big-endian length of what follows][u8 tag][payload]</c>, the length at most
/// <see cref="MaxMessageLength"/>; a name is <c>[u8 byte count][UTF-8 bytes]</c>.
/// </summary>
internal static class PortMapperProtocol
{
    /// <summary>Bytes of the length field.</summary>
    public const int LengthSize = 2;

    /// <summary>The largest value of the length field (tag and payload), 1 KiB.</summary>
    public const int MaxMessageLength = 1024;

    /// <summary>The largest whole message on the wire, length field included.</summary>
    public const int MaxFrameLength = LengthSize + MaxMessageLength;

    /// <summary>The longest name, in bytes.</summary>
    public const int MaxNameLength = 255;

    private static readonly SearchValues<char> s_nameCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-");

    /// <summary>Whether <paramref name="name"/> may be registered: 1-255 characters of [A-Za-z0-9_-].</summary>
    public static bool IsValidName(string? name) =>
        name is { Length: > 0 and <= MaxNameLength } && !name.AsSpan().ContainsAnyExcept(s_nameCharacters);

    /// <summary>Writes a Register request.</summary>
    public static void WriteRegister(IBufferWriter<byte> output, string name, int port) =>
        WriteNameAndPort(output, PortMapperTag.Register, name, port);

    /// <summary>Writes a Lookup request.</summary>
    public static void WriteLookup(IBufferWriter<byte> output, string name)
    {
        var nameLength = NameByteCount(name);
        var payload = Begin(output, PortMapperTag.Lookup, 1 + nameLength);
        payload[0] = (byte)nameLength;
        Encoding.UTF8.GetBytes(name, payload[1..]);
        output.Advance(LengthSize + 1 + payload.Length);
    }

    /// <summary>Writes a Names request.</summary>
    public static void WriteNames(IBufferWriter<byte> output) => WriteEmpty(output, PortMapperTag.Names);

    /// <summary>Writes a RegisterOk reply.</summary>
    public static void WriteRegisterOk(IBufferWriter<byte> output) => WriteEmpty(output, PortMapperTag.RegisterOk);

    /// <summary>Writes a RegisterRefused reply.</summary>
    public static void WriteRegisterRefused(IBufferWriter<byte> output, RefusalReason reason)
    {
        var payload = Begin(output, PortMapperTag.RegisterRefused, 1);
        payload[0] = (byte)reason;
        output.Advance(LengthSize + 1 + payload.Length);
    }

    /// <summary>Writes a Port reply.</summary>
    public static void WritePort(IBufferWriter<byte> output, int port)
    {
        CheckPort(port);
        var payload = Begin(output, PortMapperTag.Port, 2);
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)port);
        output.Advance(LengthSize + 1 + payload.Length);
    }

    /// <summary>Writes a NotFound reply.</summary>
    public static void WriteNotFound(IBufferWriter<byte> output) => WriteEmpty(output, PortMapperTag.NotFound);

    /// <summary>Writes one Name entry of a Names reply.</summary>
    public static void WriteName(IBufferWriter<byte> output, string name, int port) =>
        WriteNameAndPort(output, PortMapperTag.Name, name, port);

    /// <summary>Writes the NamesEnd that closes a Names reply.</summary>
    public static void WriteNamesEnd(IBufferWriter<byte> output) => WriteEmpty(output, PortMapperTag.NamesEnd);

    /// <summary>
    /// Decodes the first message of <paramref name="buffer"/> when it is whole. The length field is
    /// checked before anything else, so an oversize message is refused from its first two bytes.
    /// </summary>
    /// <param name="buffer">Received bytes, starting at a message boundary.</param>
    /// <param name="message">The message, when the result is <see cref="PortMapperReadStatus.Message"/>.</param>
    /// <param name="consumed">The bytes the message took, when the result is <see cref="PortMapperReadStatus.Message"/>.</param>
    public static PortMapperReadStatus TryRead(ReadOnlySpan<byte> buffer, out PortMapperMessage message, out int consumed)
    {
        message = default;
        consumed = 0;
        if (buffer.Length < LengthSize)
        {
            return PortMapperReadStatus.NeedMoreData;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(buffer);
        if (length > MaxMessageLength)
        {
            return PortMapperReadStatus.TooLong;
        }

        if (length == 0)
        {
            return PortMapperReadStatus.Malformed;
        }

        if (buffer.Length < LengthSize + length)
        {
            return PortMapperReadStatus.NeedMoreData;
        }

        var tag = (PortMapperTag)buffer[LengthSize];
        if (!Enum.IsDefined(tag))
        {
            return PortMapperReadStatus.UnknownTag;
        }

        var payload = buffer.Slice(LengthSize + 1, length - 1);
        if (!TryDecodePayload(tag, payload, out message))
        {
            return PortMapperReadStatus.Malformed;
        }

        consumed = LengthSize + length;
        return PortMapperReadStatus.Message;
    }

    private static bool TryDecodePayload(PortMapperTag tag, ReadOnlySpan<byte> payload, out PortMapperMessage message)
    {
        message = new PortMapperMessage(tag, string.Empty, 0, default);
        switch (tag)
        {
            case PortMapperTag.Register or PortMapperTag.Name:
                if (!TryReadName(payload, out var name, out var rest) || rest.Length != 2)
                {
                    return false;
                }

                message = message with { Name = name, Port = BinaryPrimitives.ReadUInt16BigEndian(rest) };
                return true;

            case PortMapperTag.Lookup:
                if (!TryReadName(payload, out name, out rest) || !rest.IsEmpty)
                {
                    return false;
                }

                message = message with { Name = name };
                return true;

            case PortMapperTag.RegisterRefused:
                if (payload.Length != 1)
                {
                    return false;
                }

                message = message with { Reason = (RefusalReason)payload[0] };
                return true;

            case PortMapperTag.Port:
                if (payload.Length != 2)
                {
                    return false;
                }

                message = message with { Port = BinaryPrimitives.ReadUInt16BigEndian(payload) };
                return true;

            default:
                // Names, RegisterOk, NotFound and NamesEnd carry nothing.
                return payload.IsEmpty;
        }
    }

    private static bool TryReadName(ReadOnlySpan<byte> payload, out string name, out ReadOnlySpan<byte> rest)
    {
        name = string.Empty;
        rest = default;
        if (payload.IsEmpty || payload.Length < 1 + payload[0])
        {
            return false;
        }

        // Bytes that are not UTF-8 decode to U+FFFD, which no valid name contains.
        name = Encoding.UTF8.GetString(payload.Slice(1, payload[0]));
        rest = payload[(1 + payload[0])..];
        return true;
    }

    private static void WriteNameAndPort(IBufferWriter<byte> output, PortMapperTag tag, string name, int port)
    {
        CheckPort(port);
        var nameLength = NameByteCount(name);
        var payload = Begin(output, tag, 1 + nameLength + 2);
        payload[0] = (byte)nameLength;
        Encoding.UTF8.GetBytes(name, payload[1..]);
        BinaryPrimitives.WriteUInt16BigEndian(payload[(1 + nameLength)..], (ushort)port);
        output.Advance(LengthSize + 1 + payload.Length);
    }

    private static void WriteEmpty(IBufferWriter<byte> output, PortMapperTag tag)
    {
        Begin(output, tag, 0);
        output.Advance(LengthSize + 1);
    }

    /// <summary>Writes the length and the tag; returns the payload's span, which the caller fills and advances past.</summary>
    private static Span<byte> Begin(IBufferWriter<byte> output, PortMapperTag tag, int payloadLength)
    {
        var span = output.GetSpan(LengthSize + 1 + payloadLength);
        BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)(1 + payloadLength));
        span[LengthSize] = (byte)tag;
        return span.Slice(LengthSize + 1, payloadLength);
    }

    private static int NameByteCount(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var count = Encoding.UTF8.GetByteCount(name);
        if (count > MaxNameLength)
        {
            throw new ArgumentException($"A port-mapper name is at most {MaxNameLength} bytes of UTF-8; this one has {count}.", nameof(name));
        }

        return count;
    }

    private static void CheckPort(int port)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, ushort.MaxValue);
    }
}

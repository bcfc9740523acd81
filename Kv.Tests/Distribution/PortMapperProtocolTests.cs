using System.Buffers;
using Kv.Distribution.PortMapper;

namespace Kv.Tests.Distribution;

/// <summary>Port-mapper encoding and decoding: pure, no sockets.</summary>
public sealed class PortMapperProtocolTests
{
    public static TheoryData<string, byte[]> EveryMessage => new()
    {
        { "Register foo 4040", Encode(o => PortMapperProtocol.WriteRegister(o, "foo", 4040)) },
        { "Lookup foo", Encode(o => PortMapperProtocol.WriteLookup(o, "foo")) },
        { "Names", Encode(PortMapperProtocol.WriteNames) },
        { "RegisterOk", Encode(PortMapperProtocol.WriteRegisterOk) },
        { "RegisterRefused NameInUse", Encode(o => PortMapperProtocol.WriteRegisterRefused(o, RefusalReason.NameInUse)) },
        { "Port 65535", Encode(o => PortMapperProtocol.WritePort(o, 65535)) },
        { "NotFound", Encode(PortMapperProtocol.WriteNotFound) },
        { "Name a-b_C9 1", Encode(o => PortMapperProtocol.WriteName(o, "a-b_C9", 1)) },
        { "NamesEnd", Encode(PortMapperProtocol.WriteNamesEnd) },
    };

    [Fact]
    public void Register_HasTheDocumentedBytes()
    {
        // [length 7][tag 0x01][name length 3]["foo"][port 4040 = 0x0FC8]
        Assert.Equal(
            new byte[] { 0x00, 0x07, 0x01, 0x03, (byte)'f', (byte)'o', (byte)'o', 0x0F, 0xC8 },
            Encode(o => PortMapperProtocol.WriteRegister(o, "foo", 4040)));
    }

    [Fact]
    public void Tags_AndRefusalReasons_KeepTheirWireValues()
    {
        Assert.Equal(
            new byte[] { 0x01, 0x02, 0x03, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86 },
            Enum.GetValues<PortMapperTag>().Select(tag => (byte)tag).ToArray());
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, Enum.GetValues<RefusalReason>().Select(reason => (byte)reason).ToArray());
    }

    [Theory]
    [MemberData(nameof(EveryMessage))]
    public void EveryMessage_RoundTrips_AndIsConsumedWhole(string description, byte[] bytes)
    {
        Assert.Equal(PortMapperReadStatus.Message, PortMapperProtocol.TryRead(bytes, out var message, out var consumed));
        Assert.Equal(bytes.Length, consumed);
        Assert.StartsWith(message.Tag.ToString(), description, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_RegisterAndName_GiveNameAndPort()
    {
        PortMapperProtocol.TryRead(Encode(o => PortMapperProtocol.WriteRegister(o, "foo", 4040)), out var register, out _);
        PortMapperProtocol.TryRead(Encode(o => PortMapperProtocol.WriteName(o, "bar", 65535)), out var name, out _);
        PortMapperProtocol.TryRead(Encode(o => PortMapperProtocol.WriteRegisterRefused(o, RefusalReason.NotLoopback)), out var refused, out _);

        Assert.Equal(("foo", 4040), (register.Name, register.Port));
        Assert.Equal(("bar", 65535), (name.Name, name.Port));
        Assert.Equal(RefusalReason.NotLoopback, refused.Reason);
    }

    [Theory]
    [MemberData(nameof(EveryMessage))]
    public void OneByteAtATime_NeedsMoreData_UntilTheMessageIsWhole(string description, byte[] bytes)
    {
        Assert.NotEmpty(description);
        for (var end = 0; end < bytes.Length; end++)
        {
            Assert.Equal(PortMapperReadStatus.NeedMoreData, PortMapperProtocol.TryRead(bytes.AsSpan(0, end), out _, out var consumed));
            Assert.Equal(0, consumed);
        }

        Assert.Equal(PortMapperReadStatus.Message, PortMapperProtocol.TryRead(bytes, out _, out _));
    }

    [Fact]
    public void TwoMessagesInOneBuffer_AreReadOneAfterTheOther()
    {
        var bytes = Encode(o =>
        {
            PortMapperProtocol.WriteLookup(o, "foo");
            PortMapperProtocol.WriteNames(o);
        });

        Assert.Equal(PortMapperReadStatus.Message, PortMapperProtocol.TryRead(bytes, out var first, out var consumed));
        Assert.Equal(PortMapperReadStatus.Message, PortMapperProtocol.TryRead(bytes.AsSpan(consumed), out var second, out var rest));
        Assert.Equal((PortMapperTag.Lookup, "foo"), (first.Tag, first.Name));
        Assert.Equal(PortMapperTag.Names, second.Tag);
        Assert.Equal(bytes.Length, consumed + rest);
    }

    [Theory]
    [InlineData(0x04, 0x01)]
    [InlineData(0xFF, 0xFF)]
    public void LengthOverTheMaximum_IsTooLong_FromTheLengthFieldAlone(byte high, byte low)
    {
        Assert.Equal(PortMapperReadStatus.TooLong, PortMapperProtocol.TryRead([high, low], out _, out _));
    }

    [Fact]
    public void LengthAtTheMaximum_IsNotTooLong()
    {
        var bytes = new byte[PortMapperProtocol.MaxFrameLength];
        bytes[0] = PortMapperProtocol.MaxMessageLength >> 8;
        bytes[1] = PortMapperProtocol.MaxMessageLength & 0xFF;
        bytes[2] = (byte)PortMapperTag.Names;

        Assert.Equal(PortMapperReadStatus.NeedMoreData, PortMapperProtocol.TryRead(bytes.AsSpan(0, 3), out _, out _));
        Assert.Equal(PortMapperReadStatus.Malformed, PortMapperProtocol.TryRead(bytes, out _, out _));
    }

    [Fact]
    public void ZeroLength_IsMalformed()
    {
        Assert.Equal(PortMapperReadStatus.Malformed, PortMapperProtocol.TryRead([0x00, 0x00], out _, out _));
    }

    [Theory]
    [InlineData(0x00)]
    [InlineData(0x04)]
    [InlineData(0x7F)]
    [InlineData(0x80)]
    [InlineData(0xFF)]
    public void UnknownTag_IsReported(byte tag)
    {
        Assert.Equal(PortMapperReadStatus.UnknownTag, PortMapperProtocol.TryRead([0x00, 0x01, tag], out _, out _));
    }

    [Theory]
    [InlineData(new byte[] { 0x00, 0x01, 0x01 })]                                  // Register without a name
    [InlineData(new byte[] { 0x00, 0x04, 0x01, 0x05, (byte)'a', (byte)'b' })]     // name longer than the payload
    [InlineData(new byte[] { 0x00, 0x04, 0x01, 0x01, (byte)'a', 0x10 })]           // port cut short
    [InlineData(new byte[] { 0x00, 0x04, 0x02, 0x01, (byte)'a', (byte)'!' })]     // Lookup with bytes after the name
    [InlineData(new byte[] { 0x00, 0x02, 0x03, 0x00 })]                            // Names with a payload
    [InlineData(new byte[] { 0x00, 0x02, 0x83, 0x10 })]                            // Port with one byte
    [InlineData(new byte[] { 0x00, 0x01, 0x82 })]                                  // RegisterRefused without a reason
    public void PayloadThatDoesNotFitItsTag_IsMalformed(byte[] bytes)
    {
        Assert.Equal(PortMapperReadStatus.Malformed, PortMapperProtocol.TryRead(bytes, out _, out _));
    }

    [Fact]
    public void NameBytesThatAreNotUtf8_DecodeToAnInvalidName()
    {
        byte[] bytes = [0x00, 0x04, 0x02, 0x02, 0xC3, 0x28];

        Assert.Equal(PortMapperReadStatus.Message, PortMapperProtocol.TryRead(bytes, out var message, out _));
        Assert.False(PortMapperProtocol.IsValidName(message.Name));
    }

    [Theory]
    [InlineData("foo", true)]
    [InlineData("Node_1-b", true)]
    [InlineData("a", true)]
    [InlineData("", false)]
    [InlineData("foo@host", false)]
    [InlineData("foo bar", false)]
    [InlineData("café", false)]
    [InlineData("a.b", false)]
    [InlineData(null, false)]
    public void IsValidName_AllowsOnlyLettersDigitsUnderscoreAndDash(string? name, bool valid)
    {
        Assert.Equal(valid, PortMapperProtocol.IsValidName(name));
    }

    [Fact]
    public void IsValidName_AllowsUpTo255Characters()
    {
        Assert.True(PortMapperProtocol.IsValidName(new string('x', 255)));
        Assert.False(PortMapperProtocol.IsValidName(new string('x', 256)));
    }

    [Fact]
    public void Encoding_ANameOver255Bytes_Throws()
    {
        Assert.Throws<ArgumentException>(() => Encode(o => PortMapperProtocol.WriteLookup(o, new string('x', 256))));
    }

    [Fact]
    public void Encoding_APortOutOfRange_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Encode(o => PortMapperProtocol.WriteRegister(o, "foo", 65536)));
    }

    private static byte[] Encode(Action<ArrayBufferWriter<byte>> write)
    {
        var output = new ArrayBufferWriter<byte>();
        write(output);
        return output.WrittenSpan.ToArray();
    }
}

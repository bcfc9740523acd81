using System.Buffers;
using Kv.Distribution.Terms;
using Kv.Distribution.Wire;
using MessagePack;

namespace Kv.Tests.Distribution;

public sealed class TermCodecTests
{
    [MessagePackObject]
    public sealed class Point
    {
        [Key(0)]
        public int X { get; set; }

        [Key(1)]
        public int Y { get; set; }
    }

    [Fact]
    public void ExtensionCodesAndControlTags_AreAppendOnly()
    {
        Assert.Equal(1, TermExtensions.Atom);
        Assert.Equal(2, TermExtensions.Pid);
        Assert.Equal(3, TermExtensions.Ref);
        Assert.Equal(10, TermExtensions.UserType);
        Assert.Equal(1, (int)ControlTag.RpcCall);
        Assert.Equal(2, (int)ControlTag.RpcReply);
        Assert.Equal(3, (int)ControlTag.Peers);
        Assert.Equal([0, 1, 2, 3], Enum.GetValues<RpcOutcome>().Select(o => (int)o));
    }

    [Fact]
    public void RoundTrip_PlainValues_AtomsPidsRefsAndMaps()
    {
        var codec = new TermCodec();
        var pid = new Pid("foo@host", 42, 7);
        var reference = new Ref("bar@host", 9, 3);
        var map = new Dictionary<object, object?> { ["k"] = 1L, [new Atom("a")] = null };

        var back = RoundTrip(codec, new object?[] { pid, reference, map, ulong.MaxValue, 1.5f, "é" });

        var items = Assert.IsType<object?[]>(back);
        Assert.Equal(pid, items[0]);
        Assert.Equal(reference, items[1]);
        var decodedMap = Assert.IsType<Dictionary<object, object?>>(items[2]);
        Assert.Equal(1L, decodedMap["k"]);
        Assert.True(decodedMap.ContainsKey(new Atom("a")));
        Assert.Equal(ulong.MaxValue, items[3]);
        Assert.Equal(1.5, items[4]);
        Assert.Equal("é", items[5]);
    }

    [Fact]
    public void UnregisteredType_CannotBeWritten()
    {
        var error = Assert.Throws<TermException>(() => RoundTrip(new TermCodec(), new Point()));

        Assert.Contains("Register it", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RegisteredType_RoundTrips_ButAReaderWithoutItRefuses()
    {
        var writer = new TermCodec();
        writer.Register<Point>("test.point");
        var bytes = Write(writer, new Point { X = 3, Y = 4 });

        var reader = new TermCodec();
        reader.Register<Point>("test.point");
        var point = Assert.IsType<Point>(Read(reader, bytes));
        Assert.Equal((3, 4), (point.X, point.Y));

        Assert.Throws<TermException>(() => Read(new TermCodec(), bytes));
    }

    [Fact]
    public void UnknownExtension_AndTooDeepNesting_AreRejected()
    {
        Assert.Throws<TermException>(() => Read(new TermCodec(), [0xD4, 0x63, 0x00]));

        var deep = Enumerable.Repeat((byte)0x91, TermCodec.MaxDepth + 2).Append((byte)0xC0).ToArray();
        Assert.Throws<TermException>(() => Read(new TermCodec(), deep));
    }

    [Fact]
    public void TruncatedTerm_IsRejected()
    {
        Assert.Throws<TermException>(() => Read(new TermCodec(), [0x93, 0x01]));
    }

    private static object? RoundTrip(TermCodec codec, object? value) => Read(codec, Write(codec, value));

    private static byte[] Write(TermCodec codec, object? value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        codec.Write(ref writer, value);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static object? Read(TermCodec codec, byte[] bytes)
    {
        var reader = new MessagePackReader(bytes);
        return codec.Read(ref reader);
    }
}

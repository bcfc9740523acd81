using System.Buffers;
using System.Globalization;
using Kv.Distribution.Control;
using Kv.Distribution.Nodes;
using Kv.Distribution.Terms;
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
        var pid = new Pid(NodeName.Parse("foo@host"), 42, 7);
        var reference = new Ref(NodeName.Parse("bar@host"), 9, 3);
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
    public void PidsAndRefs_EncodeToTheseExactBytes()
    {
        var codec = new TermCodec();

        // ext 8 (C7), length, type 2 or 3, then [node, id, creation] in MessagePack's compact forms.
        Assert.Equal(Convert.FromHexString("C70C0293A8666F6F40686F73742A07"), Write(codec, new Pid(NodeName.Parse("foo@host"), 42, 7)));
        Assert.Equal(Convert.FromHexString("C70C0393A862617240686F73740903"), Write(codec, new Ref(NodeName.Parse("bar@host"), 9, 3)));
        Assert.Equal(Convert.FromHexString("C7150293AD666F6F406C6F63616C686F737406CEBF63C886"), Write(codec, new Pid(NodeName.Parse("foo@localhost"), 6, 3210987654)));
        Assert.Equal(Convert.FromHexString("C7130393A36E4068CFFFFFFFFFFFFFFFFFCEFFFFFFFF"), Write(codec, new Ref(NodeName.Parse("n@h"), ulong.MaxValue, uint.MaxValue)));

        // A body of 1, 2, 4, 8 or 16 bytes takes a fixext header: here fixext 4 (D6).
        Assert.Equal(Convert.FromHexString("C7110293AD6E6F6E6F6465406E6F686F73740000"), Write(codec, new Pid(default, 0, 0)));
    }

    [Fact]
    public void PidsAndRefs_EncodeAsTheirBodySerializedOnItsOwn_AtEverySizeBoundary()
    {
        var codec = new TermCodec();
        // Full node names of every length around the string headers' boundaries (31/32, 255/256), and no node.
        var nodes = Enumerable.Range(1, 40).Concat([253]).Select(n => NodeName.Parse("n@" + new string('h', n)))
            .Concat([default, NodeName.Parse(new string('n', 64) + "@" + new string('h', 191))]);
        ulong[] ids = [0, 1, 127, 128, 255, 256, 65535, 65536, uint.MaxValue, (ulong)uint.MaxValue + 1, long.MaxValue, ulong.MaxValue];
        uint[] creations = [0, 1, 127, 128, 255, 256, 65535, 65536, uint.MaxValue];

        foreach (var node in nodes)
        {
            foreach (var id in ids)
            {
                foreach (var creation in creations)
                {
                    var what = $"node of {node.ToString().Length.ToString(CultureInfo.InvariantCulture)} chars, id {id}, creation {creation}";
                    Assert.True(EncodeIdentityAsFirstWritten(TermExtensions.Pid, node.ToString(), id, creation).AsSpan().SequenceEqual(Write(codec, new Pid(node, id, creation))), "pid: " + what);
                    Assert.True(EncodeIdentityAsFirstWritten(TermExtensions.Ref, node.ToString(), id, creation).AsSpan().SequenceEqual(Write(codec, new Ref(node, id, creation))), "ref: " + what);
                }
            }
        }
    }

    [Fact]
    public void TypedPidAndRefWriters_WriteWhatTheTermWriterWrites()
    {
        var codec = new TermCodec();
        var pid = new Pid(NodeName.Parse("foo@localhost"), 6, 3210987654);
        var reference = new Ref(NodeName.Parse("foo@localhost"), 123456789, 3210987654);

        Assert.Equal(Write(codec, pid), WriteWith((ref MessagePackWriter writer) => TermCodec.WritePid(ref writer, pid)));
        Assert.Equal(Write(codec, pid), WriteWith((ref MessagePackWriter writer) => TermCodec.WritePid(ref writer, (Pid?)pid)));
        Assert.Equal(Write(codec, null), WriteWith((ref MessagePackWriter writer) => TermCodec.WritePid(ref writer, (Pid?)null)));
        Assert.Equal(Write(codec, reference), WriteWith((ref MessagePackWriter writer) => TermCodec.WriteRef(ref writer, reference)));
        Assert.Equal(Write(codec, reference), WriteWith((ref MessagePackWriter writer) => TermCodec.WriteRef(ref writer, (Ref?)reference)));
        Assert.Equal(Write(codec, null), WriteWith((ref MessagePackWriter writer) => TermCodec.WriteRef(ref writer, (Ref?)null)));
    }

    [Theory]
    [InlineData(long.MinValue)]
    [InlineData(-129L)]
    [InlineData(-128L)]
    [InlineData(0L)]
    [InlineData(1023L)]
    [InlineData(1024L)]
    [InlineData(5_000_000_000L)]
    [InlineData(long.MaxValue)]
    public void Integers_ReadBackAsTheirValue_SmallOnesInASharedBox(long value)
    {
        var codec = new TermCodec();
        var bytes = Write(codec, value);

        var first = Read(codec, bytes);
        var second = Read(codec, bytes);

        Assert.Equal(value, first);
        Assert.Equal(value, second);
        Assert.Equal(value is >= -128 and <= 1023, ReferenceEquals(first, second));
    }

    [Fact]
    public void ReadPidAndRef_ReadThePidOrRefUnboxed_AnythingElseIsATermException()
    {
        var codec = new TermCodec();
        var pid = new Pid(NodeName.Parse("foo@localhost"), 6, 3210987654);
        var reference = new Ref(NodeName.Parse("foo@localhost"), 123456789, 3210987654);
        var bytes = Write(codec, new object?[] { pid, reference });

        var reader = new MessagePackReader(bytes);
        Assert.Equal(2, reader.ReadArrayHeader());
        Assert.Equal(pid, codec.ReadPid(ref reader));
        Assert.Equal(reference, codec.ReadRef(ref reader));
        Assert.True(reader.End);

        Assert.Equal("Expected a pid, found Nil.", ReadPidFails(Write(codec, null)));
        Assert.Equal("Expected a reference, found String.", ReadRefFails(Write(codec, "text")));
        Assert.Equal("Expected a pid, found extension type 3.", ReadPidFails(Write(codec, reference)));
        Assert.Equal("Expected a reference, found extension type 2.", ReadRefFails(Write(codec, pid)));

        string ReadPidFails(byte[] term) => Assert.Throws<TermException>(() =>
        {
            var reader = new MessagePackReader(term);
            codec.ReadPid(ref reader);
        }).Message;

        string ReadRefFails(byte[] term) => Assert.Throws<TermException>(() =>
        {
            var reader = new MessagePackReader(term);
            codec.ReadRef(ref reader);
        }).Message;
    }

    [Fact]
    public void ReadPid_MalformedOrTruncated_FailsAsReadDoes()
    {
        var codec = new TermCodec();
        var pid = Write(codec, new Pid(NodeName.Parse("foo@localhost"), 6, 3210987654));
        var twoFields = Convert.FromHexString("D60292A16E06"); // fixext 4, type 2: [ "n", 6 ]

        // ext 8 (C7) whose length says one byte more (a nil follows the body) or one byte less than the body.
        Assert.Equal(0xC7, pid[0]);
        var longer = pid.Append((byte)0xC0).ToArray();
        longer[1]++;
        var shorter = pid.ToArray();
        shorter[1]--;

        foreach (var bytes in new[] { pid[..^1], pid[..2], twoFields, [0xC7], longer, shorter })
        {
            var expected = Assert.Throws<TermException>(() => Read(codec, bytes));
            var actual = Assert.Throws<TermException>(() =>
            {
                var reader = new MessagePackReader(bytes);
                codec.ReadPid(ref reader);
            });
            Assert.Equal(expected.Message, actual.Message);
        }
    }

    [Fact]
    public void WritingAPidOrRef_AllocatesNothing()
    {
        var codec = new TermCodec();
        var buffer = new ArrayBufferWriter<byte>(1024);
        object pid = new Pid(NodeName.Parse("foo@localhost"), 6, 3210987654);
        object reference = new Ref(NodeName.Parse("foo@localhost"), 123456789, 3210987654);
        WriteBoth(); // JIT and first-use work, outside the measure

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            WriteBoth();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        void WriteBoth()
        {
            buffer.ResetWrittenCount();
            var writer = new MessagePackWriter(buffer);
            codec.Write(ref writer, pid);
            codec.Write(ref writer, reference);
            writer.Flush();
        }
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
    public void NodeNamesOfPidsAndRefs_AreDecodedOnce_UpToTheTablesCapacity()
    {
        var codec = new TermCodec();
        var own = NodeName.Parse(new string("own@host".AsSpan()));
        codec.Intern(own);

        Assert.Same(own.ToString(), Assert.IsType<Pid>(RoundTrip(codec, new Pid(NodeName.Parse("own@host"), 1, 1))).Node.ToString());
        var first = Assert.IsType<Pid>(RoundTrip(codec, new Pid(NodeName.Parse("peer@host"), 1, 1)));
        var second = Assert.IsType<Ref>(RoundTrip(codec, new Ref(NodeName.Parse("peer@host"), 2, 1)));
        Assert.Same(first.Node.ToString(), second.Node.ToString());

        // A peer making names up cannot grow the table: past its capacity names are read, not kept.
        var names = Enumerable.Range(0, NodeNameTable.Capacity + 8).Select(i => $"n{i}@host").ToArray();
        foreach (var name in names)
        {
            Assert.Equal(name, Assert.IsType<Pid>(RoundTrip(codec, new Pid(NodeName.Parse(name), 1, 1))).Node.ToString());
        }

        var late = new Pid(NodeName.Parse(names[^1]), 1, 1);
        Assert.NotSame(Assert.IsType<Pid>(RoundTrip(codec, late)).Node.ToString(), Assert.IsType<Pid>(RoundTrip(codec, late)).Node.ToString());
    }

    [Fact]
    public void TruncatedTerm_IsRejected()
    {
        Assert.Throws<TermException>(() => Read(new TermCodec(), [0x93, 0x01]));
    }

    /// <summary>
    /// A pid or reference as TermCodec first wrote it: the body <c>[node, id, creation]</c>
    /// serialized into a buffer of its own, then copied in whole as an extension.
    /// </summary>
    private static byte[] EncodeIdentityAsFirstWritten(sbyte code, string? node, ulong id, uint creation)
    {
        var body = new ArrayBufferWriter<byte>();
        var inner = new MessagePackWriter(body);
        inner.WriteArrayHeader(3);
        inner.Write(node);
        inner.Write(id);
        inner.Write(creation);
        inner.Flush();

        var output = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(output);
        writer.WriteExtensionFormat(new ExtensionResult(code, new ReadOnlySequence<byte>(body.WrittenMemory)));
        writer.Flush();
        return output.WrittenSpan.ToArray();
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

    private delegate void WriteAction(ref MessagePackWriter writer);

    private static byte[] WriteWith(WriteAction write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        write(ref writer);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static object? Read(TermCodec codec, byte[] bytes)
    {
        var reader = new MessagePackReader(bytes);
        return codec.Read(ref reader);
    }
}

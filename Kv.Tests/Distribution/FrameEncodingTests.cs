using Kv.Distribution.Control;
using Kv.Distribution.Nodes;
using Kv.Distribution.Terms;
using Kv.Distribution.Wire;
using MessagePack;

namespace Kv.Tests.Distribution;

/// <summary>Frames as <see cref="FrameOutbox"/> writes them into its pending buffer.</summary>
public sealed class FrameEncodingTests
{
    private static readonly Pid s_to = new(NodeName.Parse("foo@localhost"), 6, 3210987654);
    private static readonly Pid s_from = new(NodeName.Parse("bar@localhost"), 3, 1234567890);

    // The pins of TermCodecTests: a pid is ext 8, type 2, [node, id, creation].
    private const string ToHex = "C7150293AD666F6F406C6F63616C686F737406CEBF63C886";
    private const string FromHex = "C7150293AD626172406C6F63616C686F737403CE499602D2";

    [Fact]
    public void SendFrame_HasTheseExactBytes()
    {
        using var buffer = new FrameBuffer(64);

        Encode(buffer, new SendFrame(s_to, new object?[] { s_from, 42L }));

        // Length prefix, then [4, to, [from, 42]].
        var body = "9304" + ToHex + "92" + FromHex + "2A";
        Assert.Equal(Convert.FromHexString($"{body.Length / 2:X8}" + body), buffer.WrittenMemory.ToArray());
    }

    [Fact]
    public void RpcCallFrame_HasTheseExactBytes()
    {
        using var buffer = new FrameBuffer(64);

        Encode(buffer, new RpcCallFrame(1001, "Kernel", "Node", [], s_from));
        Encode(buffer, new RpcCallFrame(1002, "Kernel", "Node", [], null));

        // [1, callId, "Kernel", "Node", [], groupLeader | nil], twice.
        var withLeader = "9601CD03E9A64B65726E656CA44E6F646590" + FromHex;
        var withoutLeader = "9601CD03EAA64B65726E656CA44E6F646590C0";
        Assert.Equal(
            Convert.FromHexString($"{withLeader.Length / 2:X8}" + withLeader + $"{withoutLeader.Length / 2:X8}" + withoutLeader),
            buffer.WrittenMemory.ToArray());
    }

    [Fact]
    public void SmallFrames_AreEncodedWithoutAllocating()
    {
        var terms = new TermCodec();
        using var buffer = new FrameBuffer();
        var message = new object?[] { s_from, 42L };
        object?[] noArgs = [];
        EncodeAll(); // JIT and first-use work, outside the measure

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            EncodeAll();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        void EncodeAll()
        {
            buffer.Reset();
            Encode(buffer, new RpcCallFrame(1001, "Kernel", "Node", noArgs, s_from), terms);
            Encode(buffer, new RpcReplyFrame(1001, RpcOutcome.Value, "foo@localhost"), terms);
            Encode(buffer, new SendFrame(s_to, message), terms);
            Encode(buffer, new LinkFrame(s_from, s_to), terms);
        }
    }

    private static void Encode<T>(FrameBuffer buffer, in T content, TermCodec? terms = null)
        where T : struct, IFrameContent
    {
        var start = buffer.BeginFrame();
        var writer = new MessagePackWriter(buffer);
        content.Write(ref writer, terms ?? new TermCodec());
        writer.Flush();
        buffer.EndFrame(start);
    }
}

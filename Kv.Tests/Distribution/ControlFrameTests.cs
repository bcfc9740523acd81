using System.Buffers;
using System.Text.RegularExpressions;
using Kv.Distribution.Connections;
using Kv.Distribution.Control;
using Kv.Distribution.Nodes;
using Kv.Distribution.Terms;
using Kv.Distribution.Wire;
using Kv.Tests.Support;
using MessagePack;

namespace Kv.Tests.Distribution;

/// <summary>Each control message's type writes and reads it, and agrees with PROTOCOL.md's table.</summary>
public sealed partial class ControlFrameTests
{
    private static readonly Pid s_from = new(NodeName.Parse("foo@host"), 1, 7);
    private static readonly Pid s_to = new(NodeName.Parse("bar@host"), 2, 9);
    private static readonly Ref s_ref = new(NodeName.Parse("foo@host"), 3, 7);

    public static TheoryData<string> Frames => [.. FrameTypes().Select(t => t.Name)];

    [Fact]
    public void EveryTag_HasOneFrameType_WithTheFieldCountOfProtocolMd()
    {
        var documented = DocumentedFieldCounts();
        var types = FrameTypes().ToDictionary(t => (ControlTag)t.GetProperty("Tag")!.GetValue(null)!);

        Assert.Equal(Enum.GetValues<ControlTag>().Order(), types.Keys.Order());
        foreach (var (tag, type) in types)
        {
            Assert.True(documented.TryGetValue((byte)tag, out var fields), $"PROTOCOL.md has no row for tag {(byte)tag} ({tag}).");
            Assert.True(fields == (int)type.GetProperty("FieldCount")!.GetValue(null)!, $"{tag}: PROTOCOL.md gives {fields} fields, {type.Name} writes {type.GetProperty("FieldCount")!.GetValue(null)}.");
        }
    }

    [Fact]
    public void EachFrame_ReadsBackWhatItWrote_ThroughControlReader()
    {
        var terms = new TermCodec();
        var seen = new RecordingHandler();

        Dispatch(new SendFrame(s_to, "hi"), terms, seen);
        Dispatch(new RegSendFrame(s_from, "KV.Registry", 42L), terms, seen);
        Dispatch(new LinkFrame(s_from, s_to), terms, seen);
        Dispatch(new UnlinkFrame(s_from, s_to), terms, seen);
        Dispatch(new ExitFrame(s_from, s_to, new Atom("boom"), explicitSignal: true), terms, seen);
        Dispatch(new MonitorFrame(s_from, s_to, null, s_ref), terms, seen);
        Dispatch(new MonitorFrame(s_from, default, "KV.Registry", s_ref), terms, seen);
        Dispatch(new DemonitorFrame(s_from, s_to, null, s_ref), terms, seen);
        Dispatch(new DownFrame(s_from, s_to, s_ref, new Atom("noproc")), terms, seen);
        Dispatch(new RpcCallFrame(5, "Kernel", "Node", ["a", 1L], s_from), terms, seen);
        Dispatch(new RpcReplyFrame(5, RpcOutcome.BadArg, "no"), terms, seen);
        Dispatch(new SpawnRequestFrame(6, s_from, s_to, "Hello", "World", [], link: true, s_ref), terms, seen);
        Dispatch(new SpawnReplyFrame(6, null, "undefined"), terms, seen);
        Dispatch(new PeersFrame(["baz@host"]), terms, seen);

        Assert.Equal(
            [
                "Send #PID<bar@host.2.9> hi",
                "RegSend #PID<foo@host.1.7> KV.Registry 42",
                "Link #PID<foo@host.1.7> #PID<bar@host.2.9>",
                "Unlink #PID<foo@host.1.7> #PID<bar@host.2.9>",
                "Exit #PID<foo@host.1.7> #PID<bar@host.2.9> :boom True",
                "Monitor #PID<foo@host.1.7> #PID<bar@host.2.9>  #Reference<foo@host.3.7>",
                "Monitor #PID<foo@host.1.7> #PID<nonode@nohost.0.0> KV.Registry #Reference<foo@host.3.7>",
                "Demonitor #PID<foo@host.1.7> #PID<bar@host.2.9>  #Reference<foo@host.3.7>",
                "Down #PID<foo@host.1.7> #PID<bar@host.2.9> #Reference<foo@host.3.7> :noproc",
                "RpcCall 5 Kernel.Node 2 #PID<foo@host.1.7>",
                "RpcReply 5 BadArg no",
                "SpawnRequest 6 #PID<foo@host.1.7> #PID<bar@host.2.9> Hello.World 0 True #Reference<foo@host.3.7>",
                "SpawnReply 6  undefined",
                "Peers baz@host",
            ],
            seen.Lines);
    }

    [Theory]
    [MemberData(nameof(Frames))]
    public void AFrameWithOneFieldTooMany_ClosesTheLink(string frame)
    {
        var type = FrameTypes().Single(t => t.Name == frame);
        var tag = (byte)(ControlTag)type.GetProperty("Tag")!.GetValue(null)!;
        var fields = (int)type.GetProperty("FieldCount")!.GetValue(null)!;
        var body = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(body);
        writer.WriteArrayHeader(fields + 1);
        writer.Write(tag);
        for (var i = 1; i <= fields; i++)
        {
            writer.WriteNil();
        }

        writer.Flush();
        var error = Assert.Throws<ProtocolViolationException>(() => ControlReader.Dispatch(new ReadOnlySequence<byte>(body.WrittenMemory), new TermCodec(), new RecordingHandler()));
        Assert.Contains($"{fields} fields, not {fields + 1}", error.Message, StringComparison.Ordinal);
    }

    private static IEnumerable<Type> FrameTypes() =>
        typeof(ControlReader).Assembly.GetTypes()
            .Where(t => t.IsValueType && t.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IControlFrame<>)))
            .OrderBy(t => t.Name, StringComparer.Ordinal);

    /// <summary>Tag → number of elements of <c>[tag, fields...]</c>, read from PROTOCOL.md's table of control messages.</summary>
    private static Dictionary<byte, int> DocumentedFieldCounts()
    {
        var protocol = Repository.ReadText("Kv.Distribution/PROTOCOL.md");
        var counts = new Dictionary<byte, int>();
        foreach (Match row in ControlRow().Matches(protocol))
        {
            var tag = byte.Parse(row.Groups["tag"].Value, System.Globalization.CultureInfo.InvariantCulture);
            var array = row.Groups["array"].Value;

            // Top-level commas only: a nested list such as [ "name@host", ... ] is one field.
            var depth = 0;
            var elements = 1;
            foreach (var c in array)
            {
                depth += c == '[' ? 1 : c == ']' ? -1 : 0;
                elements += c == ',' && depth == 0 ? 1 : 0;
            }

            counts[tag] = elements + 1; // and the tag
        }

        return counts;
    }

    [GeneratedRegex(@"^\| +(?<tag>\d+) \| \w+ \| `\[\d+, (?<array>.*?)\]`", RegexOptions.Multiline)]
    private static partial Regex ControlRow();

    private static void Dispatch<T>(in T frame, TermCodec terms, IControlHandler handler)
        where T : struct, IFrameContent
    {
        var body = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(body);
        frame.Write(ref writer, terms);
        writer.Flush();
        ControlReader.Dispatch(new ReadOnlySequence<byte>(body.WrittenMemory), terms, handler);
    }

    private sealed class RecordingHandler : IControlHandler
    {
        public List<string> Lines { get; } = [];

        public void Handle(in SendFrame frame) => Lines.Add($"Send {frame.To} {frame.Message}");

        public void Handle(in RegSendFrame frame) => Lines.Add($"RegSend {frame.From} {frame.Name} {frame.Message}");

        public void Handle(in LinkFrame frame) => Lines.Add($"Link {frame.From} {frame.To}");

        public void Handle(in UnlinkFrame frame) => Lines.Add($"Unlink {frame.From} {frame.To}");

        public void Handle(in ExitFrame frame) => Lines.Add($"Exit {frame.From} {frame.To} {frame.Reason} {frame.Explicit}");

        public void Handle(in MonitorFrame frame) => Lines.Add($"Monitor {frame.From} {frame.To} {frame.ToName} {frame.Monitor}");

        public void Handle(in DemonitorFrame frame) => Lines.Add($"Demonitor {frame.From} {frame.To} {frame.ToName} {frame.Monitor}");

        public void Handle(in DownFrame frame) => Lines.Add($"Down {frame.Watcher} {frame.Pid} {frame.Monitor} {frame.Reason}");

        public void Handle(in RpcCallFrame frame) => Lines.Add($"RpcCall {frame.CallId} {frame.Module}.{frame.Function} {frame.Args.Length} {frame.GroupLeader}");

        public void Handle(in RpcReplyFrame frame) => Lines.Add($"RpcReply {frame.CallId} {frame.Outcome} {frame.Payload}");

        public void Handle(in SpawnRequestFrame frame) => Lines.Add($"SpawnRequest {frame.RequestId} {frame.From} {frame.GroupLeader} {frame.Module}.{frame.Function} {frame.Args.Length} {frame.Link} {frame.Monitor}");

        public void Handle(in SpawnReplyFrame frame) => Lines.Add($"SpawnReply {frame.RequestId} {frame.Pid} {frame.Error}");

        public void Handle(in PeersFrame frame) => Lines.Add($"Peers {string.Join(",", frame.Nodes)}");

        public void EndOfBatch()
        {
        }
    }
}

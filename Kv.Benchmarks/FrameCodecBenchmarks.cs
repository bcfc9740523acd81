using System.Buffers;
using BenchmarkDotNet.Attributes;
using Kv.Distribution.Control;
using Kv.Distribution.Nodes;
using Kv.Distribution.Terms;
using Kv.Distribution.Wire;
using MessagePack;

namespace Kv.Benchmarks;

/// <summary>
/// Frames of small messages on a link: encoded the way <see cref="FrameOutbox"/> fills its pending
/// buffer, and found and decoded the way <c>NodeConnection</c>'s read loop does (<see cref="ControlReader"/>). Budget: 0 B per
/// frame, but for the values a decoded frame hands over (AllocationBudgets.md).
/// </summary>
[MemoryDiagnoser]
public class FrameCodecBenchmarks
{
    private const int BatchFrames = 16;
    private const int MaxFrameLength = 16 * 1024 * 1024;

    private static readonly Pid s_groupLeader = new(NodeName.Parse("bar@localhost"), 3, 3210987654);
    private static readonly Pid s_to = new(NodeName.Parse("foo@localhost"), 6, 1234567890);

    private readonly TermCodec _terms = new();
    private readonly DecodedFrames _decoded = new();
    private readonly FrameBuffer _buffer = new();
    private readonly object?[] _noArgs = [];
    private readonly object?[] _message = [s_groupLeader, 42L];
    private byte[] _replies = [];
    private byte[] _calls = [];
    private byte[] _sends = [];

    [GlobalSetup]
    public void Setup()
    {
        _replies = EncodeBatch(i => new RpcReplyFrame((ulong)(1000 + i), RpcOutcome.Value, "foo@localhost"));
        _calls = EncodeBatch(i => new RpcCallFrame((ulong)(1000 + i), "Kernel", "Node", [], s_groupLeader));
        _sends = EncodeBatch(_ => new SendFrame(s_to, _message));
    }

    [GlobalCleanup]
    public void Cleanup() => _buffer.Dispose();

    /// <summary><c>Kernel.Node</c> with no arguments, with the caller's group leader, as <c>CallAsync</c> sends it.</summary>
    [Benchmark]
    public int EncodeRpcCall() => Encode(new RpcCallFrame(1001, "Kernel", "Node", _noArgs, s_groupLeader));

    /// <summary>The reply to it: a short string.</summary>
    [Benchmark]
    public int EncodeRpcReply() => Encode(new RpcReplyFrame(1001, RpcOutcome.Value, "foo@localhost"));

    /// <summary>A message <c>[pid, 42]</c> for a remote process.</summary>
    [Benchmark]
    public int EncodeSend() => Encode(new SendFrame(s_to, _message));

    /// <summary>Finding 16 frames in one received buffer (no decoding).</summary>
    [Benchmark(OperationsPerInvoke = BatchFrames)]
    public long ReadFrames16()
    {
        var buffer = new ReadOnlySequence<byte>(_replies);
        long total = 0;
        while (FrameReader.TryRead(ref buffer, MaxFrameLength, out var body, out var length) == FrameStatus.Frame)
        {
            total += length + body.Length;
        }

        return total;
    }

    /// <summary>16 rpc replies found and decoded as a link's read loop does; the value is a short string.</summary>
    [Benchmark(OperationsPerInvoke = BatchFrames)]
    public long DecodeRpcReplies16() => Decode(_replies);

    /// <summary>16 rpc calls (<c>Kernel.Node</c>, no arguments) found and decoded as a link's read loop does.</summary>
    [Benchmark(OperationsPerInvoke = BatchFrames)]
    public long DecodeRpcCalls16() => Decode(_calls);

    /// <summary>16 messages <c>[pid, 42]</c> for a process, found and decoded as a link's read loop does.</summary>
    [Benchmark(OperationsPerInvoke = BatchFrames)]
    public long DecodeSends16() => Decode(_sends);

    /// <summary>Finds every frame in <paramref name="frames"/> and decodes it with <see cref="ControlReader"/>, as <c>NodeConnection</c> does.</summary>
    private long Decode(byte[] frames)
    {
        var buffer = new ReadOnlySequence<byte>(frames);
        _decoded.Total = 0;
        while (FrameReader.TryRead(ref buffer, MaxFrameLength, out var body, out _) == FrameStatus.Frame)
        {
            ControlReader.Dispatch(body, _terms, _decoded);
        }

        return _decoded.Total;
    }

    private int Encode<T>(in T content)
        where T : struct, IFrameContent
    {
        _buffer.Reset();
        var start = _buffer.BeginFrame();
        var writer = new MessagePackWriter(_buffer);
        content.Write(ref writer, _terms);
        writer.Flush();
        return _buffer.EndFrame(start);
    }

    private byte[] EncodeBatch<T>(Func<int, T> frame)
        where T : struct, IFrameContent
    {
        using var batch = new FrameBuffer();
        for (var i = 0; i < BatchFrames; i++)
        {
            var start = batch.BeginFrame();
            var writer = new MessagePackWriter(batch);
            frame(i).Write(ref writer, _terms);
            writer.Flush();
            batch.EndFrame(start);
        }

        return batch.WrittenMemory.ToArray();
    }

    /// <summary>Takes decoded frames as a node's handler would, keeping a sum of their fields so that nothing is optimized away.</summary>
    private sealed class DecodedFrames : IControlHandler
    {
        public long Total { get; set; }

        public void Handle(in RpcCallFrame frame) => Total += (long)frame.CallId + frame.Module.Length + frame.Function.Length + frame.Args.Length + (long)(frame.GroupLeader?.Id ?? 0);

        public void Handle(in RpcReplyFrame frame) => Total += (long)frame.CallId + (int)frame.Outcome + (frame.Payload is string value ? value.Length : 0);

        public void Handle(in SendFrame frame) => Total += (long)frame.To.Id + (frame.Message is object?[] items ? items.Length : 0);

        public void Handle(in PeersFrame frame) => Total += frame.Nodes.Count;

        public void Handle(in RegSendFrame frame) => Total++;

        public void Handle(in LinkFrame frame) => Total++;

        public void Handle(in UnlinkFrame frame) => Total++;

        public void Handle(in ExitFrame frame) => Total++;

        public void Handle(in MonitorFrame frame) => Total++;

        public void Handle(in DemonitorFrame frame) => Total++;

        public void Handle(in DownFrame frame) => Total++;

        public void Handle(in SpawnRequestFrame frame) => Total++;

        public void Handle(in SpawnReplyFrame frame) => Total++;

        public void EndOfBatch()
        {
        }
    }
}

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
/// buffer, and found and decoded the way <c>NodeConnection</c>'s read loop does. Budget: 0 B per
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

    /// <summary>16 rpc replies found and decoded as <c>NodeConnection.Dispatch</c> and <c>CompleteCall</c> do; the value is a short string.</summary>
    [Benchmark(OperationsPerInvoke = BatchFrames)]
    public long DecodeRpcReplies16()
    {
        var buffer = new ReadOnlySequence<byte>(_replies);
        long total = 0;
        while (FrameReader.TryRead(ref buffer, MaxFrameLength, out var body, out _) == FrameStatus.Frame)
        {
            var reader = new MessagePackReader(body);
            var fields = reader.ReadArrayHeader();
            var tag = (ControlTag)reader.ReadByte();
            var callId = reader.ReadUInt64();
            var outcome = (RpcOutcome)reader.ReadByte();
            var payload = _terms.Read(ref reader);
            total += fields + (int)tag + (long)callId + (int)outcome + (payload is string value ? value.Length : 0);
        }

        return total;
    }

    /// <summary>16 rpc calls (<c>Kernel.Node</c>, no arguments) found and decoded as <c>NodeConnection.Dispatch</c> does.</summary>
    [Benchmark(OperationsPerInvoke = BatchFrames)]
    public long DecodeRpcCalls16()
    {
        var buffer = new ReadOnlySequence<byte>(_calls);
        long total = 0;
        while (FrameReader.TryRead(ref buffer, MaxFrameLength, out var body, out _) == FrameStatus.Frame)
        {
            var reader = new MessagePackReader(body);
            var fields = reader.ReadArrayHeader();
            var tag = (ControlTag)reader.ReadByte();
            var callId = reader.ReadUInt64();
            var module = reader.ReadString() ?? string.Empty;
            var function = reader.ReadString() ?? string.Empty;
            var args = _terms.ReadArray(ref reader);
            var hasGroupLeader = _terms.TryReadPid(ref reader, out var groupLeader, out _);
            total += fields + (int)tag + (long)callId + module.Length + function.Length + args.Length + (hasGroupLeader ? (long)groupLeader.Id : 0);
        }

        return total;
    }

    /// <summary>16 messages <c>[pid, 42]</c> for a process, found and decoded as <c>NodeConnection.Dispatch</c> does.</summary>
    [Benchmark(OperationsPerInvoke = BatchFrames)]
    public long DecodeSends16()
    {
        var buffer = new ReadOnlySequence<byte>(_sends);
        long total = 0;
        while (FrameReader.TryRead(ref buffer, MaxFrameLength, out var body, out _) == FrameStatus.Frame)
        {
            var reader = new MessagePackReader(body);
            var fields = reader.ReadArrayHeader();
            var tag = (ControlTag)reader.ReadByte();
            _terms.TryReadPid(ref reader, out var to, out _);
            var message = _terms.Read(ref reader);
            total += fields + (int)tag + (long)to.Id + (message is object?[] items ? items.Length : 0);
        }

        return total;
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
}

using System.Buffers;
using BenchmarkDotNet.Attributes;
using Kv.Distribution.Nodes;
using Kv.Distribution.Terms;
using MessagePack;

namespace Kv.Benchmarks;

/// <summary>
/// The terms of a typical rpc, written and read by <see cref="TermCodec"/>: the request's
/// arguments, the reply's value, and a pid. Budget: 0 B to write; reading allocates only the values
/// it returns (AllocationBudgets.md).
/// </summary>
[MemoryDiagnoser]
public class TermCodecBenchmarks
{
    private static readonly Pid s_pid = new(NodeName.Parse("foo@localhost"), 6, 3210987654);
    private static readonly object s_boxedPid = s_pid;
    private static readonly object s_long = 42L;
    private static readonly object s_largeLong = 1_000_000L;

    private readonly TermCodec _terms = new();
    private readonly ArrayBufferWriter<byte> _output = new(256);
    private readonly object?[] _args = ["shopping", "milk"];
    private byte[] _argsBytes = [];
    private byte[] _stringBytes = [];
    private byte[] _nilBytes = [];
    private byte[] _longBytes = [];
    private byte[] _largeLongBytes = [];
    private byte[] _pidBytes = [];

    [GlobalSetup]
    public void Setup()
    {
        _argsBytes = Encode(_args);
        _stringBytes = Encode("foo@localhost");
        _nilBytes = Encode(null);
        _longBytes = Encode(s_long);
        _largeLongBytes = Encode(s_largeLong);
        _pidBytes = Encode(s_boxedPid);
    }

    /// <summary>An rpc request's arguments <c>["shopping", "milk"]</c>.</summary>
    [Benchmark]
    public int WriteArgs()
    {
        var writer = Begin();
        _terms.WriteArray(ref writer, _args);
        return End(ref writer);
    }

    [Benchmark]
    public int ReadArgs()
    {
        var reader = new MessagePackReader(_argsBytes);
        return _terms.ReadArray(ref reader).Length;
    }

    /// <summary>An rpc reply's value: a short string.</summary>
    [Benchmark]
    public int WriteString() => Write("foo@localhost");

    [Benchmark]
    public object? ReadString() => Read(_stringBytes);

    [Benchmark]
    public int WriteNil() => Write(null);

    [Benchmark]
    public object? ReadNil() => Read(_nilBytes);

    [Benchmark]
    public int WriteLong() => Write(s_long);

    /// <summary>A small integer: its box is a shared one.</summary>
    [Benchmark]
    public object? ReadLong() => Read(_longBytes);

    /// <summary>An integer past the shared boxes: a new box.</summary>
    [Benchmark]
    public object? ReadLargeLong() => Read(_largeLongBytes);

    /// <summary>A pid given as an object (already boxed), as inside a message.</summary>
    [Benchmark]
    public int WritePidTerm() => Write(s_boxedPid);

    [Benchmark]
    public object? ReadPidTerm() => Read(_pidBytes);

    /// <summary>A pid as frames write it: unboxed.</summary>
    [Benchmark]
    public int WritePid()
    {
        var writer = Begin();
        TermCodec.WritePid(ref writer, s_pid);
        return End(ref writer);
    }

    /// <summary>A pid as <c>NodeConnection</c> reads one in a frame's header: unboxed.</summary>
    [Benchmark]
    public ulong ReadPid()
    {
        var reader = new MessagePackReader(_pidBytes);
        return _terms.ReadPid(ref reader).Id;
    }

    private int Write(object? value)
    {
        var writer = Begin();
        _terms.Write(ref writer, value);
        return End(ref writer);
    }

    private object? Read(byte[] bytes)
    {
        var reader = new MessagePackReader(bytes);
        return _terms.Read(ref reader);
    }

    private MessagePackWriter Begin()
    {
        _output.ResetWrittenCount();
        return new MessagePackWriter(_output);
    }

    private int End(ref MessagePackWriter writer)
    {
        writer.Flush();
        return _output.WrittenCount;
    }

    private byte[] Encode(object? value)
    {
        Write(value);
        return _output.WrittenSpan.ToArray();
    }
}

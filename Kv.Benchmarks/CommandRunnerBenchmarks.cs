using System.Buffers;
using BenchmarkDotNet.Attributes;
using Kv.Core.Buckets;
using Kv.Core.Routing;
using Kv.Server.Protocol;

namespace Kv.Benchmarks;

/// <summary>
/// Running parsed commands against a registry and writing their replies, as a session does after
/// parsing. Budget: 0 B for GET; a PUT allocates only the value's string.
/// </summary>
[MemoryDiagnoser]
public class CommandRunnerBenchmarks
{
    private readonly byte[] _bucket = "shopping"u8.ToArray();
    private readonly byte[] _key = "milk"u8.ToArray();
    private readonly byte[] _missingKey = "eggs"u8.ToArray();
    private readonly byte[] _value = [.. Enumerable.Repeat((byte)'v', 100)];
    private readonly ArrayBufferWriter<byte> _output = new(4096);
    private CommandRunner _runner = null!;

    [GlobalSetup]
    public void Setup()
    {
        var registry = new BucketRegistry();
        registry.Create("shopping").Put("milk", new string('v', 100));
        _runner = new CommandRunner(registry, new Router(RoutingTable.Local, registry));
    }

    [Benchmark]
    public int GetHit() => Run(new Command(CommandKind.Get, _bucket, _key, default));

    [Benchmark]
    public int GetMiss() => Run(new Command(CommandKind.Get, _bucket, _missingKey, default));

    /// <summary>PUT over a key that exists, with a 100-byte value.</summary>
    [Benchmark]
    public int PutExisting100() => Run(new Command(CommandKind.Put, _bucket, _key, _value));

    private int Run(in Command command)
    {
        _output.ResetWrittenCount();
        _runner.TryRun(command, _output);
        return _output.WrittenCount;
    }
}

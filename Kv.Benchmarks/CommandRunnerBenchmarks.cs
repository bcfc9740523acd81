using System.Buffers;
using BenchmarkDotNet.Attributes;
using Kv.Core.Buckets;
using Kv.Core.Routing;
using Kv.Server.Protocol;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kv.Benchmarks;

/// <summary>
/// Running parsed commands against a registry and writing their replies, as a session does after
/// parsing. Budget: 0 B for GET; a PUT allocates only the copy of the value that the bucket keeps.
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
        _runner = new CommandRunner(new Router(RoutingTable.Local, registry), NullLogger.Instance);
    }

    [Benchmark]
    public int GetHit() => Run(new Command(BucketOperation.Get, _bucket, _key, default));

    [Benchmark]
    public int GetMiss() => Run(new Command(BucketOperation.Get, _bucket, _missingKey, default));

    /// <summary>PUT over a key that exists, with a 100-byte value.</summary>
    [Benchmark]
    public int PutExisting100() => Run(new Command(BucketOperation.Put, _bucket, _key, _value));

    private int Run(in Command command)
    {
        _output.ResetWrittenCount();
        // A bucket of this node: the reply is written at once, as the text server's session has it.
        return _runner.TryRunHere(command, _output) ? _output.WrittenCount : throw new InvalidOperationException("A command on a bucket of this node must run here.");
    }
}

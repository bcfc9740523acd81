using BenchmarkDotNet.Attributes;
using Kv.Core.Buckets;

namespace Kv.Benchmarks;

/// <summary>A bucket's own operations, without the protocol around them. Budget: 0 B each.</summary>
[MemoryDiagnoser]
public class BucketBenchmarks
{
    private readonly Bucket _bucket = new("shopping");
    private readonly string _key = "milk";
    private readonly char[] _keyChars = "milk".ToCharArray();
    private readonly string _value = new('v', 100);

    [GlobalSetup]
    public void Setup() => _bucket.Put(_key, _value);

    [Benchmark]
    public string? Get() => _bucket.Get(_key);

    /// <summary>The server's lookup: the key as characters, no string.</summary>
    [Benchmark]
    public bool TryGetSpan() => _bucket.TryGet(_keyChars, out _);

    [Benchmark]
    public bool TryGetUtf8() => _bucket.TryGetUtf8(_keyChars, out _);

    /// <summary>PUT over a key that exists, with strings made beforehand.</summary>
    [Benchmark]
    public void Put() => _bucket.Put(_key, _value);

    /// <summary>The server's PUT: the key as characters, stored under the existing key's string.</summary>
    [Benchmark]
    public void PutSpan() => _bucket.Put(_keyChars, _value);
}

using Kv.Benchmarks.Load;

namespace Kv.Tests.Load;

/// <summary>The load tool's reported percentiles, from latencies recorded as its connection loops record them.</summary>
public sealed class LoadResultTests
{
    [Fact]
    public void Percentiles_OfKnownLatencies_AreTheNearestRank_ToWithin1Percent()
    {
        // 1,000 batches of 1 µs to 1,000 µs, recorded by two loops and added together as the runner does.
        var first = LoadRunner.NewLatencyHistogram();
        var second = LoadRunner.NewLatencyHistogram();
        for (var micros = 1; micros <= 1000; micros++)
        {
            LoadRunner.Record(micros % 2 == 0 ? first : second, micros * 1000L);
        }

        var latency = LoadRunner.NewLatencyHistogram();
        latency.Add(first);
        latency.Add(second);
        var result = Result(latency);

        Assert.InRange(result.P50Micros, 500, 505);
        Assert.InRange(result.P99Micros, 990, 999.9);
    }

    [Fact]
    public void Percentiles_OfOneBatchInAHundredPastTheRange_PutItAboveP99_At275s()
    {
        var latency = LoadRunner.NewLatencyHistogram();
        for (var i = 0; i < 99; i++)
        {
            LoadRunner.Record(latency, 50_000);
        }

        LoadRunner.Record(latency, 2_000_000_000_000_000);

        var result = Result(latency);

        Assert.InRange(result.P50Micros, 50, 50.5);
        Assert.InRange(result.P99Micros, 50, 50.5);
        Assert.InRange(latency.GetValueAtPercentile(100), 272_000_000_000, 275_000_000_000);
    }

    [Fact]
    public void Percentiles_WithNoBatchMeasured_AreZero()
    {
        var result = Result(LoadRunner.NewLatencyHistogram());

        Assert.Equal(0, result.P50Micros);
        Assert.Equal(0, result.P99Micros);
    }

    private static LoadResult Result(HdrHistogram.HistogramBase latency) =>
        new(Connections: 2, BatchSize: 1, Elapsed: TimeSpan.FromSeconds(1), Ops: latency.TotalCount, Errors: 0, latency, ErrorSamples: []);
}

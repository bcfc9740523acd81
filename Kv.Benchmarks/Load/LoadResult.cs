using HdrHistogram;

namespace Kv.Benchmarks.Load;

/// <summary>What one run of a load measured.</summary>
/// <param name="Connections">Concurrent connections.</param>
/// <param name="BatchSize">Requests per batch (the pipeline depth).</param>
/// <param name="Elapsed">The measured time: the window, or less when the workload finished early.</param>
/// <param name="Ops">Requests answered as expected in batches started within the window.</param>
/// <param name="Errors">Requests of failed batches (a wrong reply, a connection error, no reply in time) plus failed connects, warmup included.</param>
/// <param name="Latency">Batch latencies (send to last reply) in nanoseconds, each counted to within 1 % (<see cref="LoadRunner.NewLatencyHistogram"/>).</param>
/// <param name="ErrorSamples">The first few distinct failure messages.</param>
internal sealed record LoadResult(
    int Connections,
    int BatchSize,
    TimeSpan Elapsed,
    long Ops,
    long Errors,
    HistogramBase Latency,
    IReadOnlyList<string> ErrorSamples)
{
    public double OpsPerSecond => Elapsed > TimeSpan.Zero ? Ops / Elapsed.TotalSeconds : 0;

    public double P50Micros => Micros(50);

    public double P99Micros => Micros(99);

    /// <summary>
    /// The latency in microseconds that <paramref name="percentile"/> % of the batches did not
    /// exceed (the upper edge of its bucket, at most 1 % above); 0 when no batch was measured.
    /// </summary>
    private double Micros(double percentile) =>
        Latency.TotalCount == 0 ? 0 : Latency.GetValueAtPercentile(percentile) / 1000.0;
}

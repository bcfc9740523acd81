using System.Diagnostics;
using System.Net.Sockets;
using HdrHistogram;

namespace Kv.Benchmarks.Load;

/// <summary>
/// Runs a workload: one async loop per connection for a warmup and then a measured window, batch
/// latencies into per-thread histograms, and failures counted (with a fresh connection after each)
/// rather than ending the run. Every run ends by itself: the loops stop starting batches at the
/// end of the window, and a batch still waiting after the grace period is abandoned as failed.
/// </summary>
internal static class LoadRunner
{
    private const int MaxErrorSamples = 3;

    /// <summary>
    /// The longest latency a histogram tells apart, about 275 s (2^38 ns): HdrHistogram 2.5.0 computes
    /// a bucket's width with a 32-bit shift, which is wrong from there on at 2 significant digits.
    /// A batch answered later than that (with a grace of 10 s, it must have started in a window
    /// longer than 4 minutes) is recorded as 275 s.
    /// </summary>
    private const long MaxLatencyNanoseconds = (1L << 38) - 1;
    private static readonly TimeSpan s_reconnectBackoff = TimeSpan.FromMilliseconds(100);

    /// <summary>Runs <paramref name="workload"/>; <paramref name="cancellationToken"/> stops it early (Ctrl+C) with an <see cref="OperationCanceledException"/>.</summary>
    public static async Task<LoadResult> RunAsync(ILoadWorkload workload, LoadSettings settings, CancellationToken cancellationToken)
    {
        using var hardStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        hardStop.CancelAfter(settings.Warmup + settings.Duration + settings.Grace);

        var started = Stopwatch.GetTimestamp();
        var window = new Window(
            started + ToTicks(settings.Warmup),
            started + ToTicks(settings.Warmup + settings.Duration));
        using var latencies = new ThreadLocal<LongHistogram>(NewLatencyHistogram, trackAllValues: true);
        var loops = new ConnectionLoop[settings.Connections];
        for (var i = 0; i < loops.Length; i++)
        {
            loops[i] = new ConnectionLoop(workload, i, window, latencies, hardStop.Token, cancellationToken);
        }

        await Task.WhenAll(loops.Select(loop => loop.RunAsync()));

        var latency = NewLatencyHistogram();
        foreach (var histogram in latencies.Values)
        {
            latency.Add(histogram);
        }

        long ops = 0, errors = 0;
        var lastLoopEnd = window.MeasureFrom;
        var samples = new List<string>();
        foreach (var loop in loops)
        {
            ops += loop.Ops;
            errors += loop.Errors;
            lastLoopEnd = Math.Max(lastLoopEnd, loop.FinishedAt);
            samples.AddRange(loop.ErrorSamples);
        }

        // The whole window, unless every loop ran out of work before it closed.
        var elapsed = Stopwatch.GetElapsedTime(window.MeasureFrom, Math.Min(lastLoopEnd, window.StopAt));
        return new LoadResult(
            settings.Connections,
            workload.BatchSize,
            elapsed,
            ops,
            errors,
            latency,
            [.. samples.Distinct().Take(MaxErrorSamples)]);
    }

    /// <summary>
    /// A histogram of batch latencies in nanoseconds, 1 ns to 275 s, to 2 significant digits: each
    /// recording lands in a bucket at most 1 % wide. Recording is O(1) and allocation-free (as
    /// fast as the hand-written histogram it replaced: about 3 ns). Each thread that runs loops
    /// records into its own (33 KB), and they are added together after the run: one per loop was
    /// 17 MB at 512 loops, a cache miss per recording, 6 % of the load tool's CPU in rpc at 512.
    /// </summary>
    internal static LongHistogram NewLatencyHistogram() => new(MaxLatencyNanoseconds, numberOfSignificantValueDigits: 2);

    /// <summary>Records one latency of <paramref name="nanoseconds"/> in <paramref name="latency"/> (past 275 s, as 275 s).</summary>
    internal static void Record(LongHistogram latency, long nanoseconds) =>
        latency.RecordValue(Math.Clamp(nanoseconds, 0, MaxLatencyNanoseconds));

    private static long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    /// <summary>Stopwatch timestamps of the measured window.</summary>
    private readonly record struct Window(long MeasureFrom, long StopAt)
    {
        public bool Contains(long timestamp) => timestamp >= MeasureFrom && timestamp < StopAt;
    }

    /// <summary>One connection's loop and what it counted; read only after it ends.</summary>
    private sealed class ConnectionLoop(
        ILoadWorkload workload,
        int index,
        Window window,
        ThreadLocal<LongHistogram> latencies,
        CancellationToken hardStop,
        CancellationToken cancelled)
    {
        private static readonly double s_nanosecondsPerTick = 1e9 / Stopwatch.Frequency;

        public List<string> ErrorSamples { get; } = [];

        public long Ops { get; private set; }

        public long Errors { get; private set; }

        /// <summary>When the workload ran out of work on this connection; the end of the window otherwise.</summary>
        public long FinishedAt { get; private set; } = window.StopAt;

        public async Task RunAsync()
        {
            // Leave the caller at once, so that every loop starts before any of them connects.
            await Task.Yield();
            ILoadConnection? connection = null;
            try
            {
                while (Stopwatch.GetTimestamp() < window.StopAt)
                {
                    cancelled.ThrowIfCancellationRequested();
                    if (connection is null)
                    {
                        connection = await TryOpenAsync();
                        continue;
                    }

                    var began = Stopwatch.GetTimestamp();
                    int answered;
                    try
                    {
                        answered = await connection.RunBatchAsync(hardStop);
                    }
                    catch (Exception ex) when (IsLoadFailure(ex))
                    {
                        Fail(workload.BatchSize, ex);
                        await connection.DisposeAsync();
                        connection = null;
                        await BackOffAsync();
                        continue;
                    }

                    if (answered == 0)
                    {
                        FinishedAt = Stopwatch.GetTimestamp();
                        return;
                    }

                    var ended = Stopwatch.GetTimestamp();
                    if (window.Contains(began))
                    {
                        Ops += answered;
                        Record(latencies.Value!, (long)((ended - began) * s_nanosecondsPerTick));
                    }
                }
            }
            finally
            {
                if (connection is not null)
                {
                    await connection.DisposeAsync();
                }
            }
        }

        private async Task<ILoadConnection?> TryOpenAsync()
        {
            try
            {
                return await workload.OpenAsync(index, hardStop);
            }
            catch (Exception ex) when (IsLoadFailure(ex))
            {
                Fail(1, ex);
                await BackOffAsync();
                return null;
            }
        }

        private async Task BackOffAsync()
        {
            try
            {
                await Task.Delay(s_reconnectBackoff, hardStop);
            }
            catch (OperationCanceledException) when (!cancelled.IsCancellationRequested)
            {
                // Past the grace period: the loop's condition ends it.
            }
        }

        private void Fail(int requests, Exception failure)
        {
            Errors += requests;
            if (ErrorSamples.Count < MaxErrorSamples)
            {
                var what = failure is OperationCanceledException ? "no reply within the grace period after the window" : failure.Message;
                ErrorSamples.Add($"{failure.GetType().Name}: {what}");
            }
        }

        /// <summary>Failures of the system under load, counted as errors; a Ctrl+C is not one.</summary>
        private bool IsLoadFailure(Exception ex) => ex switch
        {
            OperationCanceledException => !cancelled.IsCancellationRequested,
            SocketException or IOException or InvalidDataException => true,
            _ => false,
        };
    }
}

using System.Diagnostics;
using System.Diagnostics.Metrics;
using Kv.Distribution.Telemetry;

namespace Kv.Core.Routing;

/// <summary>
/// The router's instruments, on the meter <c>Kv.Core</c>: the calls that carry bucket operations to
/// the nodes that own them, how many operations they carry, how long they take, and how many
/// operations wait for one. Operations per call shows how far concurrent clients' commands travel
/// together (<see cref="OwnerQueue"/>); time per call is the owner's round trip as the router sees it.
/// </summary>
/// <remarks>
/// As <c>Kv.Distribution</c>'s, every instrument is observable and reads a total kept from its
/// creation, so a listener that attaches late reads absolute values; recording is an interlocked
/// add and allocates nothing. One per <see cref="Router"/> (<see cref="Router.Metrics"/>), which
/// counts its own calls and those of the <see cref="Buckets.RemoteBucket"/>s it hands out.
/// Operations on this node's buckets are not counted here: they make no call.
/// </remarks>
public sealed class RouterMetrics : IDisposable
{
    /// <summary>The meter's name, for listeners such as <c>dotnet-counters</c>.</summary>
    public const string MeterName = "Kv.Core";

    private readonly Meter _meter;
    private long _calls;
    private long _operations;
    private long _callTicks;
    private Func<IEnumerable<Measurement<long>>> _waiting = static () => [];

    /// <summary>Creates the instruments, on a meter of <paramref name="meterFactory"/> when given.</summary>
    public RouterMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _meter.CreateObservableCounter("kv.router.owner_calls", () => Interlocked.Read(ref _calls), "{call}", "Calls that carried bucket operations to the nodes that own them (KV.Router.Execute, KV.Router.ExecuteMany, KV.Router.ExecuteManyConcurrently), answered or not.");
        _meter.CreateObservableCounter("kv.router.owner_operations", () => Interlocked.Read(ref _operations), "{operation}", "Bucket operations those calls carried: divided by kv.router.owner_calls, how many travelled together.");
        _meter.CreateObservableCounter("kv.router.owner_call_time", () => Interlocked.Read(ref _callTicks) / (double)Stopwatch.Frequency, "s", "Time those calls took, from sent to answered (or failed), summed: divided by kv.router.owner_calls, their mean.");
        _meter.CreateObservableGauge("kv.router.waiting_operations", () => _waiting(), "{operation}", "Operations waiting now for a call to their owner, while the most calls are in flight to it (tag peer).");
    }

    /// <summary>Every instrument's value now: the numbers a metrics listener reads.</summary>
    public IReadOnlyList<MetricReading> Read() => MeterReader.Read(_meter);

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();

    /// <summary>Counts a call to an owner that carried <paramref name="operations"/> and was sent at <paramref name="sentAt"/> (<see cref="Stopwatch.GetTimestamp"/>): it has just ended.</summary>
    internal void OwnerCall(int operations, long sentAt)
    {
        Interlocked.Increment(ref _calls);
        Interlocked.Add(ref _operations, operations);
        Interlocked.Add(ref _callTicks, Stopwatch.GetTimestamp() - sentAt);
    }

    /// <summary>Where <c>kv.router.waiting_operations</c> reads each owner's waiting operations.</summary>
    internal void ObserveWaiting(Func<IEnumerable<Measurement<long>>> waiting) => _waiting = waiting;
}

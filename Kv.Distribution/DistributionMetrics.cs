using System.Diagnostics.Metrics;
using Kv.Distribution.Telemetry;

namespace Kv.Distribution;

/// <summary>
/// The distribution layer's instruments, on the meter <c>Kv.Distribution</c>: links, frames and
/// bytes in and out, rpc calls, errors by kind and dead letters by reason.
/// </summary>
/// <remarks>
/// Every instrument is observable and reads a total this object keeps from its creation (with the
/// node, at the start of the process): a listener that attaches at any time, such as
/// <c>dotnet-counters</c>, sees absolute values (the links up now, the bytes sent since the start),
/// and <see cref="Read"/> gives the same numbers. Recording is an interlocked add, and allocates nothing.
/// </remarks>
public sealed class DistributionMetrics : IDisposable
{
    /// <summary>The meter's name, for listeners such as <c>dotnet-counters</c>.</summary>
    public const string MeterName = "Kv.Distribution";

    private readonly Meter _meter;
    private readonly TaggedCounts _linkEvents = new("event", "up", "down");
    private readonly TaggedCounts _errors = new("kind", "connect", "handshake", "handshake_limit", "protocol", "handler", "rpc_timeout", "tick_timeout");
    private readonly TaggedCounts _deadLetters = new("reason", "noproc", "noconnection", "unencodable", "link_full");
    private long _links;
    private long _framesIn;
    private long _bytesIn;
    private long _writesOut;
    private long _bytesOut;
    private long _callsOut;
    private long _callsIn;
    private long _busyMilliseconds;
    private Func<IEnumerable<Measurement<long>>> _queuedBytes = static () => [];

    /// <summary>The socket writes on links so far (<c>kv.dist.writes</c>), read at once, without the meter: for tests that time a write.</summary>
    internal long Writes => Interlocked.Read(ref _writesOut);

    /// <summary>Creates the instruments, on a meter of <paramref name="meterFactory"/> when given.</summary>
    public DistributionMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _meter.CreateObservableUpDownCounter("kv.dist.links", () => Interlocked.Read(ref _links), "{link}", "Links to other nodes that are up now.");
        _meter.CreateObservableCounter("kv.dist.link.events", _linkEvents.Measurements, "{event}", "Links that came up or went down (tag event: up, down).");
        _meter.CreateObservableCounter("kv.dist.frames.received", () => Interlocked.Read(ref _framesIn), "{frame}", "Frames received, ticks included.");
        _meter.CreateObservableCounter("kv.dist.bytes.received", () => Interlocked.Read(ref _bytesIn), "By", "Bytes received on links.");
        _meter.CreateObservableCounter("kv.dist.writes", () => Interlocked.Read(ref _writesOut), "{write}", "Socket writes on links; each carries a batch of frames.");
        _meter.CreateObservableCounter("kv.dist.bytes.sent", () => Interlocked.Read(ref _bytesOut), "By", "Bytes sent on links.");
        _meter.CreateObservableCounter("kv.dist.rpc.calls.sent", () => Interlocked.Read(ref _callsOut), "{call}", "Rpc calls made to other nodes.");
        _meter.CreateObservableCounter("kv.dist.rpc.calls.served", () => Interlocked.Read(ref _callsIn), "{call}", "Rpc calls served for other nodes.");
        _meter.CreateObservableCounter("kv.dist.errors", _errors.Measurements, "{error}", "Refused handshakes, protocol violations and failed calls (tag kind).");
        _meter.CreateObservableCounter("kv.dist.link.busy_time", () => Interlocked.Read(ref _busyMilliseconds) / 1000.0, "s", "Time links spent busy (more queued than NodeOptions.LinkBusyBytes), with senders waiting.");
        _meter.CreateObservableGauge("kv.dist.link.queued_bytes", () => _queuedBytes(), "By", "Bytes queued on each link and not yet written (tag peer).");
        _meter.CreateObservableCounter("kv.dist.dead_letters", _deadLetters.Measurements, "{signal}", "Messages and signals dropped: no such process, node unreachable, a full link, or a value that cannot cross the wire (tag reason).");
    }

    /// <summary>Every instrument's value now: the numbers a metrics listener reads.</summary>
    public IReadOnlyList<MetricReading> Read() => MeterReader.Read(_meter);

    internal void LinkUp()
    {
        Interlocked.Increment(ref _links);
        _linkEvents.Add("up");
    }

    internal void LinkDown()
    {
        Interlocked.Decrement(ref _links);
        _linkEvents.Add("down");
    }

    internal void Received(int frames, long bytes)
    {
        Interlocked.Add(ref _framesIn, frames);
        Interlocked.Add(ref _bytesIn, bytes);
    }

    internal void Sent(int bytes)
    {
        Interlocked.Increment(ref _writesOut);
        Interlocked.Add(ref _bytesOut, bytes);
    }

    internal void CallSent() => Interlocked.Increment(ref _callsOut);

    internal void CallServed() => Interlocked.Increment(ref _callsIn);

    internal void LinkBusy(long milliseconds) => Interlocked.Add(ref _busyMilliseconds, milliseconds);

    /// <summary>Where <c>kv.dist.link.queued_bytes</c> reads each link's queue.</summary>
    internal void ObserveQueuedBytes(Func<IEnumerable<Measurement<long>>> queuedBytes) => _queuedBytes = queuedBytes;

    internal void DeadLetter(string reason, int count = 1)
    {
        if (count > 0)
        {
            _deadLetters.Add(reason, count);
        }
    }

    internal void Error(string kind) => _errors.Add(kind);

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}

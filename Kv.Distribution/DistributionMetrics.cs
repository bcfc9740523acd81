using System.Diagnostics.Metrics;

namespace Kv.Distribution;

/// <summary>
/// The distribution layer's instruments, on the meter <c>Kv.Distribution</c>: links, frames and
/// bytes in and out, rpc calls and errors by kind.
/// </summary>
public sealed class DistributionMetrics : IDisposable
{
    /// <summary>The meter's name, for listeners such as <c>dotnet-counters</c>.</summary>
    public const string MeterName = "Kv.Distribution";

    private readonly Meter _meter;
    private readonly UpDownCounter<long> _links;
    private readonly Counter<long> _linkEvents;
    private readonly Counter<long> _framesIn;
    private readonly Counter<long> _bytesIn;
    private readonly Counter<long> _writesOut;
    private readonly Counter<long> _bytesOut;
    private readonly Counter<long> _callsOut;
    private readonly Counter<long> _callsIn;
    private readonly Counter<long> _errors;
    private readonly Counter<long> _deadLetters;
    private readonly Counter<double> _busyTime;
    private Func<IEnumerable<Measurement<long>>> _queuedBytes = static () => [];

    /// <summary>Creates the instruments, on a meter of <paramref name="meterFactory"/> when given.</summary>
    public DistributionMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _links = _meter.CreateUpDownCounter<long>("kv.dist.links", "{link}", "Links to other nodes that are up.");
        _linkEvents = _meter.CreateCounter<long>("kv.dist.link.events", "{event}", "Links that came up or went down (tag: event).");
        _framesIn = _meter.CreateCounter<long>("kv.dist.frames.received", "{frame}", "Frames received, ticks included.");
        _bytesIn = _meter.CreateCounter<long>("kv.dist.bytes.received", "By", "Bytes received on links.");
        _writesOut = _meter.CreateCounter<long>("kv.dist.writes", "{write}", "Socket writes on links; each carries a batch of frames.");
        _bytesOut = _meter.CreateCounter<long>("kv.dist.bytes.sent", "By", "Bytes sent on links.");
        _callsOut = _meter.CreateCounter<long>("kv.dist.rpc.calls.sent", "{call}", "Rpc calls made to other nodes.");
        _callsIn = _meter.CreateCounter<long>("kv.dist.rpc.calls.served", "{call}", "Rpc calls served for other nodes.");
        _errors = _meter.CreateCounter<long>("kv.dist.errors", "{error}", "Refused handshakes, protocol violations and failed calls (tag: kind).");
        _busyTime = _meter.CreateCounter<double>("kv.dist.link.busy_time", "s", "Time links spent busy (more queued than NodeOptions.LinkBusyBytes), with senders waiting.");
        _meter.CreateObservableGauge("kv.dist.link.queued_bytes", () => _queuedBytes(), "By", "Bytes queued on each link and not yet written (tag: peer).");
        _deadLetters = _meter.CreateCounter<long>("kv.dist.dead_letters", "{signal}", "Messages and signals dropped: no such process, node unreachable, or a value that cannot cross the wire (tag: reason).");
    }

    internal void LinkUp()
    {
        _links.Add(1);
        _linkEvents.Add(1, new KeyValuePair<string, object?>("event", "up"));
    }

    internal void LinkDown()
    {
        _links.Add(-1);
        _linkEvents.Add(1, new KeyValuePair<string, object?>("event", "down"));
    }

    internal void Received(int frames, long bytes)
    {
        _framesIn.Add(frames);
        _bytesIn.Add(bytes);
    }

    internal void Sent(int bytes)
    {
        _writesOut.Add(1);
        _bytesOut.Add(bytes);
    }

    internal void CallSent() => _callsOut.Add(1);

    internal void CallServed() => _callsIn.Add(1);

    internal void LinkBusy(long milliseconds) => _busyTime.Add(milliseconds / 1000.0);

    /// <summary>Where <c>kv.dist.link.queued_bytes</c> reads each link's queue.</summary>
    internal void ObserveQueuedBytes(Func<IEnumerable<Measurement<long>>> queuedBytes) => _queuedBytes = queuedBytes;

    internal void DeadLetter(string reason, int count = 1)
    {
        if (count > 0)
        {
            _deadLetters.Add(count, new KeyValuePair<string, object?>("reason", reason));
        }
    }

    internal void Error(string kind) => _errors.Add(1, new KeyValuePair<string, object?>("kind", kind));

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}

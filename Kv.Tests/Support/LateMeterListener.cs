using System.Diagnostics.Metrics;

namespace Kv.Tests.Support;

/// <summary>
/// A metrics listener that attaches when it is created, as <c>dotnet-counters</c> does to a node
/// that has been running for a while, to one instrument on the meters of one factory.
/// </summary>
internal sealed class LateMeterListener : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly string _instrument;
    private long _total;
    private int _measurements;

    public LateMeterListener(IMeterFactory factory, string instrument)
    {
        _instrument = instrument;
        _listener.InstrumentPublished = (published, listener) =>
        {
            if (published.Name == instrument && ReferenceEquals(published.Meter.Scope, factory))
            {
                listener.EnableMeasurementEvents(published);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) =>
        {
            _total += value;
            _measurements++;
        });
        _listener.Start();
    }

    /// <summary>
    /// What the instrument reports to this listener now, summed over its tags; fails when it
    /// reports nothing (a synchronous instrument reports only what changes after the listener attached).
    /// </summary>
    public long Read()
    {
        _total = 0;
        _measurements = 0;
        _listener.RecordObservableInstruments();
        Assert.True(_measurements > 0, $"{_instrument} reported no value to a listener that attached late.");
        return _total;
    }

    public void Dispose() => _listener.Dispose();
}

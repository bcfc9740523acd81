using System.Diagnostics.Metrics;
using Kv.Distribution;
using Kv.Server.Tcp;

namespace Kv.Server.Shell;

/// <summary>One instrument's number for <c>info</c>.</summary>
/// <param name="Name">The instrument's name, as <c>dotnet-counters</c> shows it.</param>
/// <param name="Unit">Its unit, such as <c>By</c> or <c>{link}</c>; empty when it has none.</param>
/// <param name="Value">Counters: the total since this node started. Gauges: the value now (every tag summed).</param>
internal readonly record struct MeterTotal(string Name, string Unit, double Value);

/// <summary>
/// Listens to kv's own meters (<c>Kv.Distribution</c> and <c>Kv.Server</c>) in this process and keeps,
/// per instrument, the sum of everything measured since it was made: what <c>info</c> prints, the
/// same numbers <c>dotnet-counters</c> shows.
/// </summary>
/// <remarks>
/// Made with the shell, before the node starts, so that counters and up-down counters add up from
/// zero. A measurement costs one interlocked add on the instrument's own total: no lock, no lookup,
/// no allocation on the paths that count. Observable instruments are read when <see cref="Snapshot"/> asks.
/// </remarks>
internal sealed class MeterTotals : IDisposable
{
    private static readonly HashSet<string> s_meters = new(StringComparer.Ordinal) { DistributionMetrics.MeterName, ServerMetrics.MeterName };

    private readonly MeterListener _listener = new();
    private readonly List<Total> _totals = [];

    public MeterTotals()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (s_meters.Contains(instrument.Meter.Name))
            {
                var total = new Total(instrument);
                lock (_totals)
                {
                    _totals.Add(total);
                }

                listener.EnableMeasurementEvents(instrument, total);
            }
        };
        _listener.MeasurementsCompleted = (instrument, state) =>
        {
            lock (_totals)
            {
                _totals.Remove((Total)state!);
            }
        };
        _listener.SetMeasurementEventCallback<long>(static (_, value, _, state) => ((Total)state!).Add(value));
        _listener.SetMeasurementEventCallback<int>(static (_, value, _, state) => ((Total)state!).Add(value));
        _listener.SetMeasurementEventCallback<double>(static (_, value, _, state) => ((Total)state!).Add(value));
        _listener.Start();
    }

    /// <summary>Every instrument's number now, ordered by name (instruments with one name on two meters are added up).</summary>
    public IReadOnlyList<MeterTotal> Snapshot()
    {
        lock (_totals)
        {
            foreach (var total in _totals)
            {
                total.ResetIfObservable();
            }

            _listener.RecordObservableInstruments();
            return [.. _totals
                .GroupBy(t => (t.Instrument.Name, t.Instrument.Unit ?? string.Empty))
                .Select(g => new MeterTotal(g.Key.Name, g.Key.Item2, g.Sum(t => t.Value)))
                .OrderBy(t => t.Name, StringComparer.Ordinal)];
        }
    }

    public void Dispose() => _listener.Dispose();

    /// <summary>One instrument's running sum; whole numbers and fractions are kept apart so that adding a whole number stays exact and lock-free.</summary>
    private sealed class Total(Instrument instrument)
    {
        private long _whole;
        private double _fraction;

        public Instrument Instrument { get; } = instrument;

        public double Value => Volatile.Read(ref _whole) + Volatile.Read(ref _fraction);

        public void Add(long value) => Interlocked.Add(ref _whole, value);

        public void Add(double value)
        {
            double seen, sum;
            do
            {
                seen = Volatile.Read(ref _fraction);
                sum = seen + value;
            }
            while (Interlocked.CompareExchange(ref _fraction, sum, seen) != seen);
        }

        /// <summary>An observable instrument reports its whole value at each reading: start from zero.</summary>
        public void ResetIfObservable()
        {
            if (Instrument.IsObservable)
            {
                Volatile.Write(ref _whole, 0);
                Volatile.Write(ref _fraction, 0);
            }
        }
    }
}

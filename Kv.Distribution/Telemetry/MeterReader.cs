using System.Diagnostics.Metrics;

namespace Kv.Distribution.Telemetry;

/// <summary>Reads the observable instruments of one meter, as any metrics listener would read them.</summary>
public static class MeterReader
{
    /// <summary>
    /// Every value that the observable instruments of <paramref name="meter"/> report now, ordered by
    /// instrument and tags. Other meters of the same name (another node in this process) are not read.
    /// </summary>
    public static IReadOnlyList<MetricReading> Read(Meter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        var readings = new List<MetricReading>();
        using (var listener = new MeterListener())
        {
            listener.InstrumentPublished = (instrument, self) =>
            {
                if (instrument.IsObservable && ReferenceEquals(instrument.Meter, meter))
                {
                    self.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => readings.Add(new(instrument.Name, instrument.Unit, Format(tags), value)));
            listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => readings.Add(new(instrument.Name, instrument.Unit, Format(tags), value)));
            listener.Start();
            listener.RecordObservableInstruments();
        }

        readings.Sort(static (a, b) =>
        {
            var byName = string.CompareOrdinal(a.Instrument, b.Instrument);
            return byName != 0 ? byName : string.CompareOrdinal(a.Tags, b.Tags);
        });
        return readings;
    }

    private static string? Format(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.IsEmpty)
        {
            return null;
        }

        var parts = new string[tags.Length];
        for (var i = 0; i < tags.Length; i++)
        {
            parts[i] = $"{tags[i].Key}={tags[i].Value}";
        }

        return string.Join(',', parts);
    }
}

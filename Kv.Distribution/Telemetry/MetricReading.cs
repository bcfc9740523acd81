namespace Kv.Distribution.Telemetry;

/// <summary>
/// One value of an instrument as a metrics listener reads it now: a count since the process
/// started, or the current value of a gauge.
/// </summary>
/// <param name="Instrument">The instrument's name, such as <c>kv.server.connections</c>.</param>
/// <param name="Unit">Its unit in UCUM form (<c>By</c>, <c>s</c>, <c>{connection}</c>).</param>
/// <param name="Tags">Its tags as <c>name=value</c>, comma-separated; <see langword="null"/> when it has none.</param>
/// <param name="Value">The value.</param>
public readonly record struct MetricReading(string Instrument, string? Unit, string? Tags, double Value)
{
    /// <summary><c>kv.dist.errors{kind=handshake} 2</c>: the name, the tags in braces when there are any, and the value.</summary>
    public override string ToString() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Instrument}{(Tags is null ? string.Empty : $"{{{Tags}}}")} {Value}");
}

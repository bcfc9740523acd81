using Kv.Core.Routing;

namespace Kv.Tests.Support;

/// <summary>Reading one of the router's instruments in a test.</summary>
internal static class RouterMetricsReadings
{
    /// <summary>The value of <paramref name="instrument"/> now, for the tags <paramref name="tags"/> (none by default).</summary>
    public static double Reading(this RouterMetrics metrics, string instrument, string? tags = null) =>
        metrics.Read().Single(reading => reading.Instrument == instrument && reading.Tags == tags).Value;
}

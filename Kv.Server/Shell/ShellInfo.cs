using System.Globalization;
using Kv.Distribution;
using Kv.Distribution.Telemetry;

namespace Kv.Server.Shell;

/// <summary>What <c>info</c> prints: the node, a line per link, and kv's counters and gauges.</summary>
internal static class ShellInfo
{
    public static string Describe(Node node, IReadOnlyList<MetricReading> readings)
    {
        var lines = new List<string> { $"{node.Name} (creation {node.Creation}), {node.ProcessCount} processes" };
        foreach (var link in node.LinkStatuses())
        {
            lines.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"  {link.Peer} {(link.Outbound ? "outbound" : "inbound")}{(link.Hidden ? " hidden" : string.Empty)}, creation {link.PeerCreation}, queued {link.QueuedBytes} B, busy {link.BusyTime.TotalSeconds:0.0} s, up {Age(link.Age)}"));
        }

        if (lines.Count == 1)
        {
            lines.Add("  no links");
        }

        lines.AddRange(Counters(readings));
        return string.Join(Environment.NewLine, lines);
    }

    /// <summary>
    /// A line per instrument, as <c>dotnet-counters</c> names them: the value summed over its tags,
    /// its unit, and the tags whose value is not zero (<c>kv.dist.errors 2 {error} (kind=handshake 2)</c>).
    /// </summary>
    private static IEnumerable<string> Counters(IReadOnlyList<MetricReading> readings)
    {
        if (readings.Count == 0)
        {
            yield break;
        }

        yield return "counters (since this node started; gauges: now):";
        var width = readings.Max(r => r.Instrument.Length);
        foreach (var instrument in readings.GroupBy(r => r.Instrument))
        {
            var tagged = instrument.Where(r => r.Tags is not null && r.Value != 0).Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Tags} {r.Value:0.###}")).ToArray();
            yield return string.Create(
                CultureInfo.InvariantCulture,
                $"  {instrument.Key.PadRight(width)}  {instrument.Sum(r => r.Value):0.###} {instrument.First().Unit}{(tagged.Length > 0 ? $" ({string.Join(", ", tagged)})" : string.Empty)}").TrimEnd();
        }
    }

    /// <summary>A link's age the way uptime reads: <c>42 s</c>, <c>3 min 5 s</c>, <c>2 h 10 min</c>, <c>4 d 3 h</c>.</summary>
    internal static string Age(TimeSpan age) => age switch
    {
        { TotalMinutes: < 1 } => $"{(int)age.TotalSeconds} s",
        { TotalHours: < 1 } => $"{age.Minutes} min {age.Seconds} s",
        { TotalDays: < 1 } => $"{age.Hours} h {age.Minutes} min",
        _ => $"{(int)age.TotalDays} d {age.Hours} h",
    };
}

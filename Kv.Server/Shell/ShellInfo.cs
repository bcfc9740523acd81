using System.Globalization;
using Kv.Distribution;

namespace Kv.Server.Shell;

/// <summary>What <c>info</c> prints: the node, a line per link, and kv's counters and gauges.</summary>
internal static class ShellInfo
{
    public static string Describe(Node node, IReadOnlyList<MeterTotal> counters)
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

        if (counters.Count > 0)
        {
            lines.Add("counters (since this node started; gauges: now):");
            var width = counters.Max(c => c.Name.Length);
            lines.AddRange(counters.Select(c => string.Create(CultureInfo.InvariantCulture, $"  {c.Name.PadRight(width)}  {c.Value:0.###} {c.Unit}").TrimEnd()));
        }

        return string.Join(Environment.NewLine, lines);
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

using System.Globalization;
using System.Text;

namespace Kv.Benchmarks.Load;

/// <summary>One timed run against the text server, with the server's RSS around it (KiB, when known).</summary>
internal sealed record ServerRun(LoadResult Result, long? RssBeforeKiB, long? RssAfterKiB);

/// <summary>One bulk load and the server's RSS before and after it (KiB).</summary>
internal sealed record MemoryRun(LoadResult Result, int Keys, int ValueSize, long RssIdleKiB, long RssAfterKiB)
{
    public double BytesPerKey => (RssAfterKiB - RssIdleKiB) * 1024.0 / Keys;
}

/// <summary>The load tool's output: a line per run as it ends, and Markdown tables for BENCHMARKS.md.</summary>
internal static class Report
{
    private static readonly CultureInfo s_invariant = CultureInfo.InvariantCulture;

    public static string RunLine(LoadResult result) => string.Create(
        s_invariant,
        $"clients={result.Connections} pipeline={result.BatchSize} duration={result.Elapsed.TotalSeconds:F1}s ops={result.Ops} " +
        $"ops/s={result.OpsPerSecond:F0} p50={result.P50Micros:F1}µs p99={result.P99Micros:F1}µs errors={result.Errors}");

    public static string Rss(long? kib) => kib is null ? "n/a" : $"{MiB(kib)} MiB";

    public static string ServerTable(IReadOnlyList<ServerRun> runs)
    {
        var table = new StringBuilder();
        table.AppendLine("| clients | pipeline | duration (s) | ops | ops/s | p50 (µs) | p99 (µs) | errors | server RSS before → after (MiB) |");
        table.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (result, before, after) in runs)
        {
            table.AppendLine(string.Create(
                s_invariant,
                $"| {result.Connections} | {result.BatchSize} | {result.Elapsed.TotalSeconds:F1} | {result.Ops} | {result.OpsPerSecond:F0} | " +
                $"{result.P50Micros:F1} | {result.P99Micros:F1} | {result.Errors} | {MiB(before)} → {MiB(after)} |"));
        }

        return table.ToString();
    }

    public static string MemoryTable(MemoryRun run)
    {
        var result = run.Result;
        var table = new StringBuilder();
        table.AppendLine("| keys | value (B) | clients × pipeline | load (s) | RSS idle (MiB) | RSS after (MiB) | difference (MiB) | bytes per key | errors |");
        table.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        table.AppendLine(string.Create(
            s_invariant,
            $"| {run.Keys} | {run.ValueSize} | {result.Connections} × {result.BatchSize} | {result.Elapsed.TotalSeconds:F1} | " +
            $"{MiB(run.RssIdleKiB)} | {MiB(run.RssAfterKiB)} | {MiB(run.RssAfterKiB - run.RssIdleKiB)} | {run.BytesPerKey:F0} | {result.Errors} |"));
        return table.ToString();
    }

    private static string MiB(long? kib) => kib is long value ? ProcessMemory.ToMiB(value).ToString("F1", s_invariant) : "n/a";
}

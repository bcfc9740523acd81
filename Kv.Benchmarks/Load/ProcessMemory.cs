using System.Globalization;

namespace Kv.Benchmarks.Load;

/// <summary>A process's memory as Linux reports it in <c>/proc/PID/status</c>.</summary>
internal static class ProcessMemory
{
    /// <summary>The resident set size (<c>VmRSS</c>) of process <paramref name="pid"/>, in KiB.</summary>
    /// <exception cref="IOException">There is no such process, or no /proc (not Linux).</exception>
    public static long ReadRssKiB(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            // "VmRSS:	   45012 kB"
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var number = line["VmRSS:".Length..].Trim();
                return long.Parse(number[..number.IndexOf(' ', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
            }
        }

        throw new IOException($"/proc/{pid}/status has no VmRSS line.");
    }

    public static double ToMiB(long kib) => kib / 1024.0;
}

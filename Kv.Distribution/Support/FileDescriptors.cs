using System.Globalization;

namespace Kv.Distribution.Support;

/// <summary>
/// This process's file descriptors, which every socket takes one of: its limit
/// (<c>RLIMIT_NOFILE</c>, from <c>/proc/self/limits</c>) and how many are open (<c>/proc/self/fd</c>).
/// Linux only; elsewhere both are unknown.
/// </summary>
/// <remarks>
/// The soft limit is the one that binds. The .NET runtime raises it to the hard limit as it starts,
/// so what is read here is the hard limit that the process was started with (<c>ulimit -Hn</c>),
/// unless someone changed it since (<c>prlimit --pid</c>). Linux gives a new descriptor the lowest
/// number free, so a descriptor numbered N means that at least N are open.
/// </remarks>
public static class FileDescriptors
{
    private const string LimitsFile = "/proc/self/limits";
    private const string OpenDirectory = "/proc/self/fd";
    private const string LimitRow = "Max open files";

    /// <summary>The soft limit on open files, or null when it is unlimited or cannot be read (no /proc: not Linux).</summary>
    public static long? Limit()
    {
        try
        {
            foreach (var line in File.ReadLines(LimitsFile))
            {
                if (line.StartsWith(LimitRow, StringComparison.Ordinal))
                {
                    return ParseLimit(line);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // No /proc here: the caller falls back to its default.
        }

        return null;
    }

    /// <summary>How many file descriptors are open now, or null when that cannot be read (no /proc: not Linux).</summary>
    public static int? CountOpen()
    {
        try
        {
            return Directory.EnumerateFileSystemEntries(OpenDirectory).Count();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// The soft limit in a row of <c>/proc/self/limits</c>, e.g.
    /// <c>"Max open files            1024                 1048576              files"</c>;
    /// null for <c>unlimited</c> or a row it does not understand.
    /// </summary>
    public static long? ParseLimit(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (!line.StartsWith(LimitRow, StringComparison.Ordinal))
        {
            return null;
        }

        var columns = line[LimitRow.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return columns.Length > 0 && long.TryParse(columns[0], NumberStyles.None, CultureInfo.InvariantCulture, out var soft) ? soft : null;
    }
}

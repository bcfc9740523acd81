using System.Globalization;

namespace Kv.Server.Tcp;

/// <summary>
/// This process's limit on open file descriptors (<c>RLIMIT_NOFILE</c>), which every socket counts
/// against: read from <c>/proc/self/limits</c>, so Linux only.
/// </summary>
/// <remarks>
/// The soft limit is the one that binds. The .NET runtime raises it to the hard limit as it starts,
/// so what is read here is the hard limit that the process was started with (<c>ulimit -Hn</c>).
/// </remarks>
internal static class OpenFileLimit
{
    private const string LimitsFile = "/proc/self/limits";
    private const string Row = "Max open files";

    /// <summary>The soft limit on open files, or null when it is unlimited or cannot be read (no /proc: not Linux).</summary>
    public static long? Read()
    {
        try
        {
            foreach (var line in File.ReadLines(LimitsFile))
            {
                if (line.StartsWith(Row, StringComparison.Ordinal))
                {
                    return Parse(line);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // No /proc here: the caller falls back to its default.
        }

        return null;
    }

    /// <summary>
    /// The soft limit in a row of <c>/proc/self/limits</c>, e.g.
    /// <c>"Max open files            1024                 1048576              files"</c>;
    /// null for <c>unlimited</c> or a row it does not understand.
    /// </summary>
    public static long? Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (!line.StartsWith(Row, StringComparison.Ordinal))
        {
            return null;
        }

        var columns = line[Row.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return columns.Length > 0 && long.TryParse(columns[0], NumberStyles.None, CultureInfo.InvariantCulture, out var soft) ? soft : null;
    }
}

using System.Globalization;
using System.Net;

namespace Kv.Benchmarks.Load;

/// <summary>What <c>e2e</c> runs.</summary>
internal enum LoadMode
{
    /// <summary>Timed GET/PUT runs, one per (clients, pipeline) pair.</summary>
    Server,

    /// <summary>One bulk load of many keys, with the server's RSS before and after.</summary>
    ServerMemory,
}

/// <summary>
/// What <c>e2e server</c> and <c>e2e server-memory</c> run (their command line is <see cref="E2eCommandLine"/>),
/// checked against bounds so that every run ends by itself.
/// </summary>
internal sealed record LoadOptions(
    LoadMode Mode,
    IReadOnlyList<int> Clients,
    IReadOnlyList<int> Pipelines,
    TimeSpan Duration,
    TimeSpan Warmup,
    int ValueSize,
    int Keys,
    IPEndPoint? Target,
    int? Pid,
    bool Routed = false,
    bool Raw = false)
{
    private const int MaxBatchBytes = 1024 * 1024;

    /// <summary>The defaults of <paramref name="mode"/>, which its options change.</summary>
    public static LoadOptions Defaults(LoadMode mode) => mode switch
    {
        LoadMode.Server => new LoadOptions(LoadMode.Server, [1, 16, 64, 256], [1], TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1), 100, 1000, null, null),
        _ => new LoadOptions(LoadMode.ServerMemory, [4], [64], TimeSpan.Zero, TimeSpan.Zero, 100, 100_000, null, null),
    };

    /// <summary>Checks what no single option can: the options together.</summary>
    /// <exception cref="FormatException">They do not go together; the message says why.</exception>
    public LoadOptions Validate()
    {
        if (Mode == LoadMode.ServerMemory && (Clients.Count != 1 || Pipelines.Count != 1))
        {
            throw new FormatException("server-memory makes one load: give one --clients and one --pipeline value");
        }

        if (Mode == LoadMode.ServerMemory && Target is not null && Pid is null)
        {
            throw new FormatException("server-memory reads the server's RSS: with --target, give its --pid");
        }

        if (Raw && (Target is not null || Mode == LoadMode.ServerMemory))
        {
            throw new FormatException("--raw starts the raw baseline: it goes with e2e server, without --target");
        }

        if (Pid is not null && Target is null)
        {
            throw new FormatException("--pid goes with --target (a started server's pid is known)");
        }

        // A batch is written whole before its replies are read: keep it well within socket buffers.
        if (Pipelines.Max() * (ValueSize + 64) > MaxBatchBytes)
        {
            throw new FormatException($"--pipeline x --value-size must stay under {MaxBatchBytes} bytes per batch");
        }

        return this;
    }

    internal static List<int> IntList(string name, string value, int min, int max) =>
        [.. value.Split(',', StringSplitOptions.TrimEntries).Select(part => Int(name, part, min, max))];

    internal static int Int(string name, string value, int min, int max) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max
            ? number
            : throw new FormatException($"{name} must be a whole number from {min} to {max}, not '{value}'");

    internal static TimeSpan Seconds(string name, string value, double min, double max) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= min && seconds <= max
            ? TimeSpan.FromSeconds(seconds)
            : throw new FormatException($"{name} must be seconds from {min} to {max}, not '{value}'");

    /// <summary>Only loopback: the tool must never load another machine.</summary>
    internal static IPEndPoint LoopbackEndPoint(string value)
    {
        var text = value.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase) ? "127.0.0.1" + value["localhost".Length..] : value;
        if (!IPEndPoint.TryParse(text, out var endPoint) || endPoint.Port == 0)
        {
            throw new FormatException($"--target must be ADDRESS:PORT, such as 127.0.0.1:4040, not '{value}'");
        }

        return IPAddress.IsLoopback(endPoint.Address)
            ? endPoint
            : throw new FormatException($"--target must be a loopback address (127.0.0.1, ::1), not {endPoint.Address}");
    }
}

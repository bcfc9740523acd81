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

/// <summary>The command line of <c>e2e</c>, checked against bounds so that every run ends by itself.</summary>
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
    bool Routed = false)
{
    private const int MaxBatchBytes = 1024 * 1024;

    public const string Usage = """
        usage: e2e server        [--clients 1,16,64,256] [--pipeline 1] [--duration 10] [--warmup 1]
                                 [--value-size 100] [--keys 1000] [--target 127.0.0.1:4040 [--pid N]]
               e2e server-memory [--clients 4] [--pipeline 64] [--value-size 100] [--keys 100000]
                                 [--target 127.0.0.1:4040 --pid N]
               e2e rpc|routed|task|pingpong|sends [--callers 1,8,64,512] [--duration 10] [--warmup 1]

          --clients     connections, a comma-separated list: one run per value (1..1024)
          --pipeline    requests in flight per connection, a list too (1..1024)
          --duration    measured seconds per run (1..600); --warmup seconds before it, not counted (0..60)
          --value-size  bytes per value (1..16384); --keys keys per bucket (server) or in all (server-memory)
          --target      a loopback server already running; nothing is started. --pid: its process, to read its RSS
        Without --target a Kv.Server is started on a free loopback port and killed at the end.
        e2e rpc|routed|task|pingpong|sends start a named node (private port mapper and cookie) and
        load it from a node in this process with --callers concurrent callers: rpc Kernel.Node,
        Kernel.Node routed by a Router whose table gives the bucket to that node, a RouterTasks task
        running Kernel.Node awaited here, ping-pong with a Process.Echo process there, or one-way
        sends to a Process.Counter there (--callers senders), counted where they arrive.
        e2e server --routed starts two nodes whose nodes.json puts every bucket on the second, and
        loads the first: every command is routed.
        """;

    /// <summary>Parses <paramref name="args"/> for <paramref name="mode"/> (<c>server</c> or <c>server-memory</c>).</summary>
    /// <exception cref="FormatException">The command line is wrong; the message says how.</exception>
    public static LoadOptions Parse(string mode, IReadOnlyList<string> args)
    {
        var options = mode switch
        {
            "server" => new LoadOptions(LoadMode.Server, [1, 16, 64, 256], [1], TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1), 100, 1000, null, null),
            "server-memory" => new LoadOptions(LoadMode.ServerMemory, [4], [64], TimeSpan.Zero, TimeSpan.Zero, 100, 100_000, null, null),
            _ => throw new FormatException($"unknown e2e mode '{mode}'"),
        };

        if (args.Contains("--routed"))
        {
            options = options with { Routed = true };
            args = [.. args.Where(a => a != "--routed")];
        }

        for (var i = 0; i < args.Count; i += 2)
        {
            var name = args[i];
            var value = i + 1 < args.Count ? args[i + 1] : throw new FormatException($"{name} needs a value");
            options = name switch
            {
                "--clients" => options with { Clients = IntList(name, value, 1, 1024) },
                "--pipeline" => options with { Pipelines = IntList(name, value, 1, 1024) },
                "--duration" when mode == "server" => options with { Duration = Seconds(name, value, 1, 600) },
                "--warmup" when mode == "server" => options with { Warmup = Seconds(name, value, 0, 60) },
                "--value-size" => options with { ValueSize = Int(name, value, 1, 16 * 1024) },
                "--keys" => options with { Keys = Int(name, value, 1, 10_000_000) },
                "--target" => options with { Target = LoopbackEndPoint(value) },
                "--pid" => options with { Pid = Int(name, value, 1, int.MaxValue) },
                _ => throw new FormatException($"unknown option {name} for e2e {mode}"),
            };
        }

        return options.Validate();
    }

    private LoadOptions Validate()
    {
        if (Mode == LoadMode.ServerMemory && (Clients.Count != 1 || Pipelines.Count != 1))
        {
            throw new FormatException("server-memory makes one load: give one --clients and one --pipeline value");
        }

        if (Mode == LoadMode.ServerMemory && Target is not null && Pid is null)
        {
            throw new FormatException("server-memory reads the server's RSS: with --target, give its --pid");
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

    private static List<int> IntList(string name, string value, int min, int max) =>
        [.. value.Split(',', StringSplitOptions.TrimEntries).Select(part => Int(name, part, min, max))];

    private static int Int(string name, string value, int min, int max) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max
            ? number
            : throw new FormatException($"{name} must be a whole number from {min} to {max}, not '{value}'");

    private static TimeSpan Seconds(string name, string value, double min, double max) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= min && seconds <= max
            ? TimeSpan.FromSeconds(seconds)
            : throw new FormatException($"{name} must be seconds from {min} to {max}, not '{value}'");

    /// <summary>Only loopback: the tool must never load another machine.</summary>
    private static IPEndPoint LoopbackEndPoint(string value)
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

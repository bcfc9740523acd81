using System.CommandLine;
using System.CommandLine.Parsing;
using System.Net;
using Kv.Server.Cli;

namespace Kv.Benchmarks.Load;

/// <summary>
/// The command line of <c>e2e</c> on System.CommandLine: one subcommand per load, each with its
/// options, defaults and bounds; <c>--help</c> on any of them; an unknown option is an error with
/// a suggestion. The subcommands run through the handlers given to <see cref="RunAsync"/>.
/// </summary>
internal static class E2eCommandLine
{
    /// <summary>The exit code of a wrong command line.</summary>
    public const int UsageError = 2;

    /// <summary>The node loads: <c>e2e rpc|routed|task|pingpong|sends</c>.</summary>
    public static readonly IReadOnlyList<(string Mode, string Description)> NodeModes =
    [
        ("rpc", "rpc Kernel.Node on a named node process, from a node in this process"),
        ("routed", "Kernel.Node routed by a Router whose table gives the bucket to that node"),
        ("task", "a RouterTasks task running Kernel.Node there, awaited here"),
        ("pingpong", "ping-pong between a process here and a Process.Echo process there, one pair per caller"),
        ("sends", "one-way sends to a Process.Counter there (--callers senders), counted where they arrive"),
    ];

    /// <summary>Parses and runs <paramref name="args"/>: a text-server load through <paramref name="server"/>, a node load through <paramref name="node"/>.</summary>
    public static async Task<int> RunAsync(string[] args, Func<LoadOptions, Task<int>> server, Func<string, NodeLoad, Task<int>> node)
    {
        var root = new Command("e2e", "The end-to-end load tool: a real node loaded over TCP or over distribution (BENCHMARKS.md).");
        root.Options.Add(new System.CommandLine.Help.HelpOption { Recursive = true });
        root.Subcommands.Add(ServerCommand(LoadMode.Server, server));
        root.Subcommands.Add(ServerCommand(LoadMode.ServerMemory, server));
        foreach (var (mode, description) in NodeModes)
        {
            root.Subcommands.Add(NodeCommand(mode, description, node));
        }

        if (args.Length == 0)
        {
            // No command: say which there are.
            await root.Parse(["--help"]).InvokeAsync();
            return UsageError;
        }

        var result = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (result.Errors.Count > 0)
        {
            foreach (var line in ParseErrors.Describe(result, args))
            {
                await Console.Error.WriteLineAsync($"e2e: {line}");
            }

            return UsageError;
        }

        // The load handles Ctrl+C and SIGTERM itself (E2eCommand): the parser must not.
        return await result.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false });
    }

    private static Command ServerCommand(LoadMode mode, Func<LoadOptions, Task<int>> run)
    {
        var defaults = LoadOptions.Defaults(mode);
        var server = mode == LoadMode.Server;
        var command = new Command(
            server ? "server" : "server-memory",
            server
                ? "Timed GET/PUT runs against a Kv.Server, one per (--clients, --pipeline) pair. Without --target one is started on a free loopback port and killed at the end."
                : "One bulk load of --keys keys into one bucket, with the server's RSS before and after.");
        var clients = IntList("--clients", "Connections, a comma-separated list: one run per value.", 1, 1024, defaults.Clients);
        var pipeline = IntList("--pipeline", "Requests in flight per connection, a list too.", 1, 1024, defaults.Pipelines);
        var valueSize = Int("--value-size", "Bytes per value.", 1, 16 * 1024, defaults.ValueSize);
        var keys = Int("--keys", server ? "Keys per bucket." : "Keys in all.", 1, 10_000_000, defaults.Keys);
        var target = new Option<IPEndPoint?>("--target")
        {
            Description = "A loopback server already running (ADDRESS:PORT); nothing is started.",
            HelpName = "ADDRESS:PORT",
            CustomParser = result => Checked(result, value => LoadOptions.LoopbackEndPoint(value)),
        };
        var pid = new Option<int?>("--pid")
        {
            Description = "The --target server's process, to read its RSS.",
            HelpName = "PID",
            CustomParser = result => Checked<int?>(result, value => LoadOptions.Int("--pid", value, 1, int.MaxValue)),
        };
        var routed = new Option<bool>("--routed") { Description = "Start two nodes whose nodes.json puts every bucket on the second, and load the first: every command is routed." };
        var raw = new Option<bool>("--raw") { Description = "Load the raw baseline (RawText: kv's protocol and batching, none of its runtime) instead of kv's nodes; with --routed, its front and owner." };
        Option[] options = [clients, pipeline, valueSize, keys, target, pid, routed, raw];
        var duration = Seconds("--duration", "Measured seconds per run.", 1, 600, defaults.Duration);
        var warmup = Seconds("--warmup", "Seconds run before it, not counted.", 0, 60, defaults.Warmup);
        foreach (var option in server ? [.. options, duration, warmup] : options)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (result, _) =>
        {
            try
            {
                var chosen = defaults with
                {
                    Clients = ListOr(result, clients, defaults.Clients),
                    Pipelines = ListOr(result, pipeline, defaults.Pipelines),
                    Duration = server ? TimeSpan.FromSeconds(result.GetValue(duration)) : defaults.Duration,
                    Warmup = server ? TimeSpan.FromSeconds(result.GetValue(warmup)) : defaults.Warmup,
                    ValueSize = result.GetValue(valueSize),
                    Keys = result.GetValue(keys),
                    Target = result.GetValue(target),
                    Pid = result.GetValue(pid),
                    Routed = result.GetValue(routed),
                    Raw = result.GetValue(raw),
                };
                return await run(chosen.Validate());
            }
            catch (FormatException ex)
            {
                await Console.Error.WriteLineAsync($"e2e: {ex.Message}");
                return UsageError;
            }
        });
        return command;
    }

    private static Command NodeCommand(string mode, string description, Func<string, NodeLoad, Task<int>> run)
    {
        var command = new Command(mode, $"Start a named node process (private port mapper and cookie) and load it with --callers concurrent callers: {description}.");
        IReadOnlyList<int> fallback = [1, 8, 64, 512];
        var callers = IntList("--callers", "Concurrent callers, a comma-separated list: one run per value.", 1, 100_000, fallback);
        var duration = Seconds("--duration", "Measured seconds per run.", 1, 600, TimeSpan.FromSeconds(10));
        var warmup = Seconds("--warmup", "Seconds run before it, not counted.", 0, 60, TimeSpan.FromSeconds(1));
        command.Options.Add(callers);
        command.Options.Add(duration);
        command.Options.Add(warmup);
        command.SetAction((result, _) => run(mode, new NodeLoad(ListOr(result, callers, fallback), TimeSpan.FromSeconds(result.GetValue(duration)), TimeSpan.FromSeconds(result.GetValue(warmup)))));
        return command;
    }

    /// <summary>A comma-separated list; <see langword="null"/> when not given (the help shows <paramref name="fallback"/>, which the caller applies).</summary>
    private static Option<List<int>?> IntList(string name, string description, int min, int max, IReadOnlyList<int> fallback) => new(name)
    {
        Description = $"{description} From {min} to {max}. [default: {string.Join(',', fallback)}]",
        HelpName = "N,N...",
        CustomParser = result => Checked<List<int>?>(result, value => LoadOptions.IntList(name, value, min, max)),
    };

    private static Option<int> Int(string name, string description, int min, int max, int fallback) => new(name)
    {
        Description = $"{description} From {min} to {max}.",
        HelpName = "N",
        DefaultValueFactory = _ => fallback,
        CustomParser = result => Checked(result, value => LoadOptions.Int(name, value, min, max)),
    };

    private static Option<double> Seconds(string name, string description, double min, double max, TimeSpan fallback) => new(name)
    {
        Description = $"{description} From {min} to {max}.",
        HelpName = "SECONDS",
        DefaultValueFactory = _ => fallback.TotalSeconds,
        CustomParser = result => Checked(result, value => LoadOptions.Seconds(name, value, min, max).TotalSeconds),
    };

    /// <summary>The list given with <paramref name="option"/>, else <paramref name="fallback"/>.</summary>
    private static IReadOnlyList<int> ListOr(ParseResult result, Option<List<int>?> option, IReadOnlyList<int> fallback) =>
        result.GetResult(option) is null ? fallback : result.GetValue(option) ?? fallback;

    /// <summary>Parses the option's one value with <paramref name="parse"/>; its <see cref="FormatException"/> becomes the parse error.</summary>
    private static T Checked<T>(ArgumentResult result, Func<string, T> parse)
    {
        try
        {
            return parse(result.Tokens[0].Value);
        }
        catch (FormatException ex)
        {
            result.AddError(ex.Message);
            return default!;
        }
    }
}

/// <summary>What <c>e2e rpc|routed|task|pingpong|sends</c> runs: one run per caller count, each <paramref name="Warmup"/> then <paramref name="Duration"/>.</summary>
internal sealed record NodeLoad(IReadOnlyList<int> Callers, TimeSpan Duration, TimeSpan Warmup);

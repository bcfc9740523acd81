using Kv.Core.Buckets;
using Kv.Core.Routing;
using Kv.Distribution;
using Kv.Distribution.Nodes;
using Kv.Distribution.Processes;
using Kv.Distribution.Rpc;
using Kv.Server.Distribution;
using Kv.Server.Telemetry;

namespace Kv.Server.Shell;

/// <summary>What a shell command printed, whether it succeeded, and whether the shell should end.</summary>
internal sealed record ShellResult(bool Ok, string Output, bool Quit = false);

/// <summary>
/// The shell's commands, as a person would use <c>iex</c> on a node: the bucket verbs <c>get</c>,
/// <c>put</c>, <c>create</c> and <c>delete</c> through the router, <c>node</c>, <c>nodes</c>,
/// <c>info</c>, <c>connect N</c>, <c>disconnect N</c>, <c>ping N</c>, <c>rpc N Module.Function args…</c>,
/// <c>spawn N Module.Function args…</c>, <c>route</c>, <c>help [COMMAND]</c> and <c>quit</c>
/// (<see cref="ShellHelp"/> lists them). N is a short name (this host) or <c>name@host</c>.
/// </summary>
/// <remarks>
/// A command never throws: whatever fails, from the runtime or from the arguments, comes back as a
/// result that is not <see cref="ShellResult.Ok"/> with one error line starting <c>**</c>. Only the
/// cancellation of the token passed in (the node stopping, or Ctrl+C in a terminal) comes out.
/// </remarks>
internal sealed partial class ShellCommands(NodeHost nodeHost, Router router, NodeMetrics metrics)
{
    private static readonly TimeSpan s_spawnWait = TimeSpan.FromSeconds(10);

    /// <summary>When set (<c>--eval</c>), <c>spawn</c> waits for the process to end so that its output is printed before the node stops.</summary>
    public bool WaitForSpawned { get; init; }

    public async Task<ShellResult> RunAsync(string line, CancellationToken cancellationToken)
    {
        var words = ShellArguments.Split(line);
        if (words.Count == 0)
        {
            return new ShellResult(true, string.Empty);
        }

        try
        {
            return words[0] switch
            {
                "help" when words.Count == 1 => new ShellResult(true, ShellHelp.Overview),
                "help" when words.Count == 2 => HelpFor(words[1]),
                "get" when words.Count == 3 => await BucketAsync(BucketOperation.Get, words, cancellationToken),
                "put" when words.Count == 4 => await BucketAsync(BucketOperation.Put, words, cancellationToken),
                "create" when words.Count == 2 => await BucketAsync(BucketOperation.Create, words, cancellationToken),
                "delete" when words.Count == 3 => await BucketAsync(BucketOperation.Delete, words, cancellationToken),
                "quit" or "exit" => new ShellResult(true, string.Empty, Quit: true),
                "node" => new ShellResult(true, nodeHost.Node?.Name.ToString() ?? "nonode@nohost"),
                "nodes" => new ShellResult(true, TermFormatter.Format(RequireNode().ConnectedNodes.Select(n => n.ToString()).ToArray())),
                "info" => new ShellResult(true, ShellInfo.Describe(RequireNode(), metrics.Read())),
                "connect" when words.Count == 2 => new ShellResult(true, Format(await RequireNode().ConnectAsync(NodeName.Parse(words[1]), cancellationToken))),
                "disconnect" when words.Count == 2 => new ShellResult(true, Format(RequireNode().Disconnect(NodeName.Parse(words[1])))),
                "ping" when words.Count == 2 => new ShellResult(true, (await RequireNode().PingAsync(NodeName.Parse(words[1]), cancellationToken)).ToString().ToLowerInvariant()),
                "rpc" when words.Count >= 3 => await RpcAsync(words, cancellationToken),
                "spawn" when words.Count >= 3 => await SpawnAsync(words, cancellationToken),
                "route" when words.Count >= 3 => await RouteAsync(words, cancellationToken),
                _ => new ShellResult(false, Unknown(words[0], line)),
            };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The node is stopping: not the command's failure.
            throw;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Whatever a command throws, the shell prints it and goes on: a failure never stops the node.
            return new ShellResult(false, Describe(ex));
        }
    }

    /// <summary>A failure as one error line: what the runtime reports in its own words, anything else with its type.</summary>
    internal static string Describe(Exception failure) => failure switch
    {
        RpcException rpc => $"** ({rpc.Failure}) {rpc.Message}",
        ExitException exit => $"** (exit) {Exits.Describe(exit.Reason)}",
        FormatException or InvalidOperationException or RoutingException or Kv.Distribution.Terms.TermException
            or BucketUnavailableException or BucketLimitException => "** " + OneLine(failure.Message),
        _ => $"** ({failure.GetType().Name}) {OneLine(failure.Message)}",
    };

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");

    private async Task<ShellResult> RpcAsync(List<string> words, CancellationToken cancellationToken)
    {
        var (node, module, function, args) = ParseCall(words);
        var self = RequireNode();
        var value = await self.CallAsync(node, module, function, args, cancellationToken: cancellationToken);

        // Output of the call reached this node before its reply: print it before the value.
        await self.FlushConsoleAsync(TimeSpan.FromSeconds(2));
        return new ShellResult(true, TermFormatter.Format(value));
    }

    private async Task<ShellResult> RouteAsync(List<string> words, CancellationToken cancellationToken)
    {
        if (!ShellArguments.TrySplitFunction(words[2], out var module, out var function))
        {
            throw new FormatException($"'{words[2]}' is not Module.Function");
        }

        var bucket = ShellArguments.ToTerm(words[1]) as string ?? words[1];
        var value = await router.RouteAsync(bucket, module, function, [.. words.Skip(3).Select(ShellArguments.ToTerm)], cancellationToken);
        if (nodeHost.Node is { } self)
        {
            await self.FlushConsoleAsync(TimeSpan.FromSeconds(2));
        }

        return new ShellResult(true, TermFormatter.Format(value));
    }

    private async Task<ShellResult> SpawnAsync(List<string> words, CancellationToken cancellationToken)
    {
        var (node, module, function, args) = ParseCall(words);
        var self = RequireNode();
        var pid = await self.SpawnAsync(node, module, function, args, cancellationToken);
        if (WaitForSpawned)
        {
            await self.WhenExitedAsync(pid, s_spawnWait, cancellationToken);
            await self.FlushConsoleAsync(TimeSpan.FromSeconds(2));
        }

        return new ShellResult(true, pid.ToString());
    }

    private static (NodeName Node, string Module, string Function, object?[] Args) ParseCall(List<string> words)
    {
        if (!ShellArguments.TrySplitFunction(words[2], out var module, out var function))
        {
            throw new FormatException($"'{words[2]}' is not Module.Function");
        }

        return (NodeName.Parse(words[1]), module, function, [.. words.Skip(3).Select(ShellArguments.ToTerm)]);
    }

    private Node RequireNode() =>
        nodeHost.Node ?? throw new InvalidOperationException("This node is not distributed: start it with --sname NAME (or --name NAME@HOST).");

    private static ShellResult HelpFor(string name) =>
        ShellHelp.Find(name) is { } command
            ? new ShellResult(true, ShellHelp.Describe(command))
            : new ShellResult(false, $"** no command named {name} (help lists them)");

    /// <summary>The error for a line that is no command, or a command with the wrong arguments: the latter shows its usage.</summary>
    private static string Unknown(string name, string line) =>
        ShellHelp.Find(name) is { } command
            ? $"** wrong arguments: {line.Trim()} (usage: {command.Usage})"
            : $"** unknown command or wrong arguments: {line.Trim()} (try help)";

    private static string Format(bool value) => value ? "true" : "false";
}

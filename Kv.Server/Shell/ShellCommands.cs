using Kv.Core.Routing;
using Kv.Distribution;
using Kv.Distribution.Nodes;
using Kv.Distribution.Processes;
using Kv.Distribution.Rpc;
using Kv.Server.Distribution;

namespace Kv.Server.Shell;

/// <summary>What a shell command printed, whether it succeeded, and whether the shell should end.</summary>
internal sealed record ShellResult(bool Ok, string Output, bool Quit = false);

/// <summary>
/// The shell's commands, as a person would use <c>iex</c> on a node: <c>node</c>, <c>nodes</c>,
/// <c>connect N</c>, <c>disconnect N</c>, <c>ping N</c>, <c>rpc N Module.Function args…</c>,
/// <c>spawn N Module.Function args…</c>, <c>help</c>, <c>quit</c>. N is a short name (this host) or
/// <c>name@host</c>.
/// </summary>
/// <remarks>
/// A command never throws: whatever fails, from the runtime or from the arguments, comes back as a
/// result that is not <see cref="ShellResult.Ok"/> with one error line starting <c>**</c>. Only the
/// cancellation of the shell's token (the node stopping) comes out.
/// </remarks>
internal sealed class ShellCommands(NodeHost nodeHost, Router router)
{
    public const string Help = """
        node                              this node's name
        nodes                             the nodes this one is linked to
        info                              this node, its processes, and each link's queue
        connect N | disconnect N          link to N, or drop the link
        ping N                            pong when N answers, else pang
        rpc N Module.Function args...     run an exported function on N and print its value
        route BUCKET Module.Function args...
                                          run it on the node that owns BUCKET (by nodes.json)
        spawn N Module.Function args...   start a process on N running an exported function
        help                              this text
        quit                              stop the node
        Arguments: 42, 1.5, true, false, nil, :atom, "quoted text", or a bare word (a string).
        """;

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
                "help" => new ShellResult(true, Help),
                "quit" or "exit" => new ShellResult(true, string.Empty, Quit: true),
                "node" => new ShellResult(true, nodeHost.Node?.Name.ToString() ?? "nonode@nohost"),
                "nodes" => new ShellResult(true, TermFormatter.Format(RequireNode().ConnectedNodes.Select(n => n.ToString()).ToArray())),
                "info" => new ShellResult(true, Info(RequireNode())),
                "connect" when words.Count == 2 => new ShellResult(true, Format(await RequireNode().ConnectAsync(NodeName.Parse(words[1]), cancellationToken))),
                "disconnect" when words.Count == 2 => new ShellResult(true, Format(RequireNode().Disconnect(NodeName.Parse(words[1])))),
                "ping" when words.Count == 2 => new ShellResult(true, (await RequireNode().PingAsync(NodeName.Parse(words[1]), cancellationToken)).ToString().ToLowerInvariant()),
                "rpc" when words.Count >= 3 => await RpcAsync(words, cancellationToken),
                "spawn" when words.Count >= 3 => await SpawnAsync(words, cancellationToken),
                "route" when words.Count >= 3 => await RouteAsync(words, cancellationToken),
                _ => new ShellResult(false, $"** unknown command or wrong arguments: {line.Trim()} (try help)"),
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
        FormatException or InvalidOperationException or RoutingException or Kv.Distribution.Terms.TermException => "** " + OneLine(failure.Message),
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

    /// <summary>The node, its process count, and a line per link: direction, queued bytes, time busy.</summary>
    private static string Info(Node node)
    {
        var lines = new List<string> { $"{node.Name} (creation {node.Creation}), {node.ProcessCount} processes" };
        foreach (var link in node.LinkStatuses())
        {
            lines.Add(string.Create(
                System.Globalization.CultureInfo.InvariantCulture,
                $"  {link.Peer} {(link.Outbound ? "outbound" : "inbound")}{(link.Hidden ? " hidden" : string.Empty)}, creation {link.PeerCreation}, queued {link.QueuedBytes} B, busy {link.BusyTime.TotalSeconds:0.0} s"));
        }

        if (lines.Count == 1)
        {
            lines.Add("  no links");
        }

        return string.Join(Environment.NewLine, lines);
    }

    private static string Format(bool value) => value ? "true" : "false";
}

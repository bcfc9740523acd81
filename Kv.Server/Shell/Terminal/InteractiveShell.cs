using Kv.Core.Routing;
using Kv.Distribution.PortMapper;
using Kv.Server.Distribution;

namespace Kv.Server.Shell.Terminal;

/// <summary>
/// The shell in a terminal: reads lines with <see cref="ShellLineEditor"/> and runs them with
/// <see cref="ShellCommands"/> until <c>quit</c>, Ctrl+D on an empty line, Ctrl+C twice on an empty
/// line, or the node stopping.
/// </summary>
/// <remarks>
/// Ctrl+C is read as a key here (<see cref="Console.TreatControlCAsInput"/>), not the signal that
/// stops the host: on a line it drops the line; on an empty line it says how to stop, and a second
/// one stops; while a command runs it stops waiting for the command (which may still run where it
/// was sent). SIGTERM and SIGINT sent from outside still stop the node.
/// </remarks>
internal sealed class InteractiveShell(ShellCommands commands, NodeHost nodeHost, NodesConfig nodes, PortMapperOptions portMapper, TerminalScreen screen)
{
    /// <summary>The first line the shell prints.</summary>
    public const string Greeting = "kv shell: help lists the commands. quit, Ctrl+D or Ctrl+C twice stops the node.";

    /// <summary>How often the keys are looked at for Ctrl+C while a command runs.</summary>
    private static readonly TimeSpan s_interruptPoll = TimeSpan.FromMilliseconds(50);

    private readonly HostNodeNames _hostNodes = new(portMapper);

    public async Task RunAsync(CancellationToken stopping)
    {
        var keys = new TerminalKeys();
        var node = nodeHost.Node?.Name.ToString() ?? "nonode@nohost";
        var editor = new ShellLineEditor(screen, keys, $"kv({node})>", new ShellCompletion(KnownNodes));
        Console.TreatControlCAsInput = true;
        try
        {
            screen.Write(Greeting + "\n");
            var warned = false;
            while (!stopping.IsCancellationRequested)
            {
                if (nodeHost.Node is { } self)
                {
                    _hostNodes.Refresh(self.Name.Host);
                }

                var line = await editor.ReadLineAsync(stopping);
                switch (line.End)
                {
                    case LineEnd.Stopping or LineEnd.EndOfInput:
                        return;
                    case LineEnd.Cancelled when line.Text.Length > 0:
                        warned = false;
                        continue;
                    case LineEnd.Cancelled when warned:
                        return;
                    case LineEnd.Cancelled:
                        warned = true;
                        screen.Write("(press Ctrl+C again, Ctrl+D or type quit to stop the node)\n");
                        continue;
                }

                warned = false;
                var result = await RunAsync(line.Text, keys, stopping);
                if (result.Output.Length > 0)
                {
                    screen.Write(result.Output + "\n");
                }

                if (result.Quit)
                {
                    return;
                }
            }
        }
        finally
        {
            Console.TreatControlCAsInput = false;
        }
    }

    /// <summary>Runs one command; Ctrl+C meanwhile abandons the wait for it.</summary>
    private async Task<ShellResult> RunAsync(string line, TerminalKeys keys, CancellationToken stopping)
    {
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var running = commands.RunAsync(line, interrupt.Token);
        while (!running.IsCompleted && !stopping.IsCancellationRequested)
        {
            await Task.WhenAny(running, Task.Delay(s_interruptPoll, stopping));
            if (keys.ReadAhead())
            {
                await interrupt.CancelAsync();
            }
        }

        try
        {
            return await running;
        }
        catch (OperationCanceledException) when (interrupt.IsCancellationRequested && !stopping.IsCancellationRequested)
        {
            return new ShellResult(false, "** (interrupted) stopped waiting; the command may still run where it was sent");
        }
    }

    /// <summary>The node names Tab offers: this node, its links, the nodes the routing table and nodes.json name, and those registered on this host.</summary>
    private IEnumerable<string> KnownNodes()
    {
        var self = nodeHost.Node;
        IEnumerable<string> linked = self is null ? [] : [self.Name.ToString(), .. self.LinkStatuses().Select(l => l.Peer.ToString())];
        return linked
            .Concat(nodes.Table.Entries.Select(e => e.Node.ToString()))
            .Concat(nodes.Nodes.Keys.Select(n => n.ToString()))
            .Concat(self is null ? [] : _hostNodes.Names);
    }
}

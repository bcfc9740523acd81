using System.Text.RegularExpressions;
using Kv.Distribution.Nodes;
using Kv.Tests.Support;

namespace Kv.Tests.Server;

/// <summary>The console host as a person uses it: --eval, the shell, nodes.json at start, and stopping.</summary>
[Trait("distributed", "true")]
public sealed partial class ConsoleHostTests : ClusterTestBase
{
    [DistributedFact]
    public async Task Eval_RoutesByTheTable_PrintsResults_AndFailsOnAnError()
    {
        var nodes = Cluster.WriteNodesFile();
        var (foo, _) = await Cluster.StartNodeAsync("foo", extra: ["--nodes", nodes]);
        var (bar, _) = await Cluster.StartNodeAsync("bar", extra: ["--nodes", nodes]);

        var ok = Cluster.StartProcess("qux", NodeCluster.CookieValue, ["--nodes", nodes, "--eval", $"route hello Kernel.Node; route world Kernel.Node; ping {foo}; rpc {bar} Kernel.Node"]);
        Assert.Equal(0, await ok.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(
            [$"\"{foo}\"", $"\"{bar}\"", "pong", $"\"{bar}\""],
            ok.Output.Split('\n').Where(line => line.Length > 0 && !line.StartsWith("warn", StringComparison.Ordinal)).ToArray());

        var failing = Cluster.StartProcess("quux", NodeCluster.CookieValue, ["--nodes", nodes, "--eval", "route 0bucket Kernel.Node"]);
        Assert.Equal(1, await failing.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains("could not find entry for \"0bucket\"", failing.Output, StringComparison.Ordinal);
    }

    [DistributedFact]
    public async Task Shell_ReadsCommands_UntilQuit()
    {
        var shell = Cluster.StartProcess("shell", NodeCluster.CookieValue, ["--port", "0", "--bind", "127.0.0.1", "--shell"]);

        await shell.TypeAsync($"node\nping {Cluster.Self.Name}\nnonsense\nquit\n");

        Assert.Equal(0, await shell.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains(Cluster.NameOf("shell").ToString(), shell.Output, StringComparison.Ordinal);
        Assert.Contains("pong", shell.Output, StringComparison.Ordinal);
        Assert.Contains("** unknown command", shell.Output, StringComparison.Ordinal);
    }

    [DistributedFact]
    public async Task Info_ShowsTheNode_EachLinkWithItsQueueAndAge_AndTheCounters()
    {
        var shell = Cluster.StartProcess("info", NodeCluster.CookieValue, ["--eval", $"ping {Cluster.Self.Name}; rpc {Cluster.Self.Name} Kernel.Node; info"]);

        Assert.Equal(0, await shell.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.Matches($@"{Regex.Escape(Cluster.NameOf("info").ToString())} \(creation \d+\), \d+ processes", shell.Output);
        Assert.Matches($@"  {Regex.Escape(Cluster.Self.Name.ToString())} outbound( hidden)?, creation {Cluster.Self.Creation}, queued \d+ B, busy \d+\.\d s, up \d+ s", shell.Output);

        // The counters, as dotnet-counters names them: the link is up, and it carried the call.
        Assert.Matches(@"(?m)^  kv\.dist\.links +1 \{link\}$", shell.Output);
        Assert.Matches(@"(?m)^  kv\.dist\.rpc\.calls\.sent +1 \{call\}$", shell.Output);
        Assert.Matches(@"(?m)^  kv\.dist\.bytes\.sent +[1-9]\d* By$", shell.Output);
    }

    [DistributedFact]
    public async Task Eval_HelpForOneCommand_AndAnErrorForNoCommand()
    {
        var help = Cluster.StartProcess("helper", NodeCluster.CookieValue, ["--eval", "help get"]);
        Assert.Equal(0, await help.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.StartsWith("get BUCKET KEY\n", help.Output, StringComparison.Ordinal);

        var nope = Cluster.StartProcess("helper", NodeCluster.CookieValue, ["--eval", "help nope; put onlytwo words"]);
        Assert.Equal(1, await nope.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains("** no command named nope (help lists them)", nope.Output, StringComparison.Ordinal);
        Assert.Contains("** wrong arguments: put onlytwo words (usage: put BUCKET KEY VALUE)", nope.Output, StringComparison.Ordinal);
    }

    [DistributedFact]
    public async Task Sigterm_StopsTheNode_AndPeersSeeItLeaveAtOnce()
    {
        var (foo, process) = await Cluster.StartNodeAsync("foo");
        Assert.Equal(Kv.Distribution.Nodes.PingResult.Pong, await Cluster.Self.PingAsync(foo, Ct));
        var down = new TaskCompletionSource<NodeEventArgs>();
        Cluster.Self.NodeDown += (_, e) => down.TrySetResult(e);

        process.Terminate();

        var seen = await down.Task.WaitAsync(TimeSpan.FromSeconds(1), Ct);
        Assert.Equal(foo, seen.Node);
        Assert.Equal(0, await process.WaitForExitAsync(TimeSpan.FromSeconds(3)));
    }

    [DistributedFact]
    public async Task BadNodesFile_IsAStartupErrorThatNamesTheProblem()
    {
        var path = Path.Combine(Path.GetTempPath(), $"kv-bad-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, """{ "routing": [ { "first": "a", "last": "m", "node": "foo" }, { "first": "m", "last": "z", "node": "bar" } ] }""", Ct);
        try
        {
            var node = Cluster.StartProcess("broken", NodeCluster.CookieValue, ["--nodes", path]);

            Assert.Equal(2, await node.WaitForExitAsync(TimeSpan.FromSeconds(20)));
            Assert.Matches(OverlapError(), node.Output);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [DistributedFact]
    public async Task TcpPort_ComesFromNodesJson_WhenNotGiven()
    {
        var port = NodeCluster.FreePort();
        var name = Cluster.NameOf("porty").Name;
        var path = Path.Combine(Path.GetTempPath(), $"kv-port-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, $$"""{ "nodes": { "{{name}}": { "port": {{port}} } } }""", Ct);
        try
        {
            var node = Cluster.StartProcess("porty", NodeCluster.CookieValue, ["--nodes", path, "--bind", "127.0.0.1"]);

            Assert.Equal(port, await node.WaitForListeningPortAsync());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [GeneratedRegex(@"kv: .*routing\[1\] \{\?m\.\.\?z, bar@\S+\} overlaps routing\[0\]")]
    private static partial Regex OverlapError();
}

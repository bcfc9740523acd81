using Kv.Distribution;
using Kv.Distribution.Nodes;
using Kv.Distribution.Rpc;
using Kv.Tests.Support;

namespace Kv.Tests.Distribution;

/// <summary>
/// Nodes as separate OS processes of the console host (<c>--sname</c>), on a private port-mapper
/// port and cookie, driven by a node inside the test process.
/// </summary>
[Trait("distributed", "true")]
public sealed class NodeProcessTests : ClusterTestBase
{
    private Node Self => Cluster.Self;

    [DistributedFact]
    public async Task TwoConsoleHosts_ConnectWithNoOtherSetup()
    {
        var foo = await StartNodeAsync("foo");
        var bar = await StartNodeAsync("bar");

        Assert.Equal("pong", await Self.CallAsync(foo, "Net", "Ping", [bar.ToString()], cancellationToken: Ct));

        var nodesOfFoo = (object?[])(await Self.CallAsync(foo, "Kernel", "Nodes", [], cancellationToken: Ct))!;
        Assert.Contains(bar.ToString(), nodesOfFoo);
        Assert.Equal(bar.ToString(), await Self.CallAsync(bar, "Kernel", "Node", [], cancellationToken: Ct));
    }

    [DistributedFact]
    public async Task Rpc_AcrossProcesses_ValueExceptionUndefinedAndTimeout()
    {
        var bar = await StartNodeAsync("bar");

        Assert.Equal(bar.ToString(), await Self.CallAsync(bar, "Kernel", "Node", [], cancellationToken: Ct));
        var thrown = await Assert.ThrowsAsync<RpcException>(() => Self.CallAsync(bar, "Timer", "Sleep", [-5], cancellationToken: Ct));
        Assert.Equal(RpcFailure.Exception, thrown.Failure);
        Assert.Equal(typeof(ArgumentOutOfRangeException).FullName, thrown.RemoteType);
        var undefined = await Assert.ThrowsAsync<RpcException>(() => Self.CallAsync(bar, "Hello", "World", [], cancellationToken: Ct));
        Assert.Equal(RpcFailure.Undefined, undefined.Failure);
        var timeout = await Assert.ThrowsAsync<RpcException>(() => Self.CallAsync(bar, "Timer", "Sleep", [5000], TimeSpan.FromMilliseconds(200), Ct));
        Assert.Equal(RpcFailure.Timeout, timeout.Failure);
    }

    [DistributedFact]
    public async Task KillDashNine_WithHundredPendingCalls_FailsThemAllAtOnce()
    {
        var bar = await StartNodeAsync("bar");
        Assert.Equal(PingResult.Pong, await Self.PingAsync(bar, Ct));
        var calls = Enumerable.Range(0, 100)
            .Select(_ => Self.CallAsync(bar, "Timer", "Sleep", [30_000], TimeSpan.FromSeconds(30), Ct))
            .ToArray();

        var killed = DateTime.UtcNow;
        Cluster.Processes.Single().KillHard();

        foreach (var call in calls)
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => call);
            Assert.Equal(RpcFailure.NoConnection, error.Failure);
        }

        Assert.True(DateTime.UtcNow - killed < TimeSpan.FromSeconds(1), "pending calls must fail well within a second");
    }

    [DistributedFact]
    public async Task RestartedPeer_HasANewCreation_AndIsReachableAgain()
    {
        var bar = await StartNodeAsync("bar");
        var before = await Self.CallAsync(bar, "Kernel", "Creation", [], cancellationToken: Ct);
        Cluster.Processes.Single().KillHard();
        await Eventually.TrueAsync(() => !Self.ConnectedNodes.Contains(bar), "the link to the killed node to go down");

        await StartNodeAsync("bar");

        var after = await Self.CallAsync(bar, "Kernel", "Creation", [], cancellationToken: Ct);
        Assert.NotEqual(before, after);
    }

    [DistributedFact]
    public async Task WrongCookie_IsRefused_AndLoggedOnBothSides()
    {
        var bar = await StartNodeAsync("bar", cookie: "another-cookie");

        Assert.Equal(PingResult.Pang, await Self.PingAsync(bar, Ct));

        await Logs.WaitForAsync($"Handshake with {bar} refused at RecvChallengeAck");
        await Cluster.Processes.Single().WaitForLineAsync(new System.Text.RegularExpressions.Regex("refused at RecvChallengeReply.*BadCookie"));
    }

    [DistributedFact]
    public async Task AnIdleNode_LetsItsThreadsSleep()
    {
        var (bar, process) = await Cluster.StartNodeAsync("bar");
        Assert.Equal(bar.ToString(), await Self.CallAsync(bar, "Kernel", "Node", [], cancellationToken: Ct)); // a link, a request answered

        // A measured window, not a wait for something: how often the idle node's threads ran.
        var before = ContextSwitches(process.Id);
        await Task.Delay(TimeSpan.FromSeconds(2), Ct);
        var switches = ContextSwitches(process.Id) - before;

        // A timer every 20 ms, whose pool worker spun before it slept, made about 14,000.
        Assert.InRange(switches, 0, 1000);
    }

    /// <summary>The context switches of every thread of process <paramref name="pid"/> so far (<c>/proc/PID/task/*/status</c>).</summary>
    private static long ContextSwitches(int pid)
    {
        long total = 0;
        foreach (var task in Directory.GetDirectories($"/proc/{pid}/task"))
        {
            try
            {
                foreach (var line in File.ReadLines(Path.Combine(task, "status")))
                {
                    if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal) || line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                    {
                        total += long.Parse(line[(line.IndexOf(':') + 1)..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
                    }
                }
            }
            catch (IOException)
            {
                // The thread ended meanwhile.
            }
        }

        return total;
    }

    private async Task<NodeName> StartNodeAsync(string name, string cookie = NodeCluster.CookieValue) =>
        (await Cluster.StartNodeAsync(name, cookie)).Name;
}

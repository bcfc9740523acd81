using Kv.Distribution;
using Kv.Distribution.Processes;
using Kv.Distribution.Rpc;
using Kv.Tests.Support;

namespace Kv.Tests.Distribution;

/// <summary>
/// Spawning an exported function on one's own node, named like any other: it starts a local
/// process, with links and monitors that behave as they do across nodes.
/// </summary>
public sealed class LocalSpawnTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(5);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SpawnAsync_OnItsOwnNodeByName_StartsALocalProcessRunningTheFunction()
    {
        await using var nodes = new TestNodes();
        var node = await nodes.StartAsync("solo");
        node.Functions.RegisterModule(typeof(TestFunctions));

        var pong = await node.SpawnAsync(node.Name, "Test.Functions", "Pong", [], Ct).WaitAsync(s_wait, Ct);

        Assert.Equal(node.Name.ToString(), pong.Node.ToString());
        var reply = await InProcessAsync(node, async context =>
        {
            context.Send(pong, new object?[] { context.Self, 7L });
            return await context.ReceiveAsync(s_wait);
        });
        Assert.Equal(new object?[] { "pong", 7L }, reply);
        Assert.Empty(node.ConnectedNodes);
    }

    [Fact]
    public async Task SpawnAsync_FromAProcess_OnItsOwnNode_WithLink_DeliversTheCrashToTheTrappingCaller()
    {
        await using var nodes = new TestNodes();
        var node = await nodes.StartAsync("solo");
        node.Functions.RegisterModule(typeof(TestFunctions));

        var (crasher, message) = await InProcessAsync(node, async context =>
        {
            context.TrapExits = true;
            var pid = await context.SpawnAsync(context.Node.Name, "Test.Functions", "Crash", [], link: true, Ct);
            return (pid, await context.ReceiveAsync(m => m is ExitMessage, s_wait));
        });

        var exit = Assert.IsType<ExitMessage>(message);
        Assert.Equal(crasher, exit.From);
        Assert.Contains("crashed on purpose", Exits.Describe(exit.Reason), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SpawnMonitorAsync_FromAProcess_OnItsOwnNode_DeliversDownWithTheCrashReason()
    {
        await using var nodes = new TestNodes();
        var node = await nodes.StartAsync("solo");
        node.Functions.RegisterModule(typeof(TestFunctions));

        var (crasher, monitor, message) = await InProcessAsync(node, async context =>
        {
            var (pid, monitor) = await context.SpawnMonitorAsync(context.Node.Name, "Test.Functions", "Crash", [], Ct);
            return (pid, monitor, await context.ReceiveAsync(m => m is DownMessage, s_wait));
        });

        var down = Assert.IsType<DownMessage>(message);
        Assert.Equal(monitor, down.Monitor);
        Assert.Equal(crasher, down.Pid);
        Assert.Contains("crashed on purpose", Exits.Describe(down.Reason), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SpawnAsync_OfAFunctionItsOwnNodeDoesNotExport_IsUndefined_FromOutsideAndFromAProcess()
    {
        await using var nodes = new TestNodes();
        var node = await nodes.StartAsync("solo");
        node.Functions.RegisterModule(typeof(TestFunctions));

        var outside = await Assert.ThrowsAsync<RpcException>(() => node.SpawnAsync(node.Name, "Test.Functions", "Hidden", [], Ct).WaitAsync(s_wait, Ct));
        var inside = await Assert.ThrowsAsync<RpcException>(() => InProcessAsync(node, context => context.SpawnAsync(context.Node.Name, "No.Such", "Module", [], cancellationToken: Ct)));

        Assert.Equal(RpcFailure.Undefined, outside.Failure);
        Assert.Equal(RpcFailure.Undefined, inside.Failure);
        Assert.Contains("is undefined", outside.Message, StringComparison.Ordinal);
    }

    /// <summary>Runs <paramref name="body"/> in a new process of <paramref name="node"/> and gives its outcome (what it returned or threw) within the wait.</summary>
    private static async Task<T> InProcessAsync<T>(Node node, Func<ProcessContext, Task<T>> body)
    {
        var outcome = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        node.Spawn(async context =>
        {
            try
            {
                outcome.SetResult(await body(context));
            }
            catch (Exception ex)
            {
                outcome.SetException(ex);
                throw;
            }
        });
        return await outcome.Task.WaitAsync(s_wait, Ct);
    }
}

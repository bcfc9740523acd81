using Kv.Distribution.Processes;
using Kv.Distribution.Rpc;
using Kv.Distribution.Servers;
using Kv.Distribution.Tasks;
using Kv.Tests.Support;

namespace Kv.Tests.Distribution;

public sealed class TaskSupervisorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(TestNodes, Kv.Distribution.Node Foo, Kv.Distribution.Node Bar, ServerRef Tasks)> TwoNodesAsync()
    {
        var nodes = new TestNodes();
        var foo = await nodes.StartAsync("foo");
        var bar = await nodes.StartAsync("bar");
        bar.Functions.RegisterModule(typeof(TestFunctions));
        TaskSupervisor.Start(bar, "RouterTasks");
        await Eventually.TrueAsync(() => bar.WhereIs("RouterTasks") is not null, "the task supervisor");
        return (nodes, foo, bar, ServerRef.To("RouterTasks", bar.Name));
    }

    [Fact]
    public async Task Async_OnAnotherNodesSupervisor_ReturnsThatNodesName()
    {
        var (nodes, foo, bar, tasks) = await TwoNodesAsync();
        await using var _ = nodes;

        var task = await TaskSupervisor.Async(foo, tasks, "Kernel", "Node", [], Ct);

        Assert.Equal(bar.Name, task.Pid.Node);
        Assert.Equal(bar.Name.ToString(), await task.AwaitAsync(cancellationToken: Ct));
    }

    [Fact]
    public async Task RemoteException_IsRethrownAtTheAwait()
    {
        var (nodes, foo, _, tasks) = await TwoNodesAsync();
        await using var __ = nodes;

        var task = await TaskSupervisor.Async(foo, tasks, "Test.Functions", "Fail", ["boom"], Ct);
        var error = await Assert.ThrowsAsync<ExitException>(() => task.AwaitAsync(cancellationToken: Ct));

        Assert.Contains("System.InvalidOperationException: boom", Exits.Describe(error.Reason), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UndefinedFunction_AndMissingSupervisor_FailAtTheStart()
    {
        var (nodes, foo, bar, tasks) = await TwoNodesAsync();
        await using var _ = nodes;

        var undefined = await Assert.ThrowsAsync<RpcException>(() => TaskSupervisor.Async(foo, tasks, "Hello", "World", [], Ct));
        var missing = await Assert.ThrowsAsync<ExitException>(() => TaskSupervisor.Async(foo, ServerRef.To("NoSuchTasks", bar.Name), "Kernel", "Node", [], Ct));

        Assert.Equal(RpcFailure.Undefined, undefined.Failure);
        Assert.Equal(Exits.NoProc, missing.Reason);
    }

    [Fact]
    public async Task Await_TimesOut()
    {
        var (nodes, foo, _, tasks) = await TwoNodesAsync();
        await using var _ = nodes;

        var task = await TaskSupervisor.Async(foo, tasks, "Test.Functions", "Sleep", [2000], Ct);
        var error = await Assert.ThrowsAsync<ExitException>(() => task.AwaitAsync(TimeSpan.FromMilliseconds(100), Ct));

        Assert.Equal(Exits.Timeout, error.Reason);
    }

    [Fact]
    public async Task NodeDown_FailsTheAwaitAtOnce()
    {
        var (nodes, foo, bar, tasks) = await TwoNodesAsync();
        await using var _ = nodes;
        var task = await TaskSupervisor.Async(foo, tasks, "Test.Functions", "Sleep", [10_000], Ct);

        var started = DateTime.UtcNow;
        foo.Disconnect(bar.Name);
        var error = await Assert.ThrowsAsync<ExitException>(() => task.AwaitAsync(TimeSpan.FromSeconds(30), Ct));

        Assert.Equal(Exits.NoConnection, error.Reason);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task StartChild_RunsWithoutAwaiting_AndClosuresRunLocally()
    {
        var (nodes, foo, bar, tasks) = await TwoNodesAsync();
        await using var _ = nodes;

        var pid = await TaskSupervisor.StartChild(foo, tasks, "Test.Functions", "Add", [1, 2], Ct);
        var local = TaskSupervisor.Async(foo, () => Task.FromResult<object?>("from a closure"));

        Assert.Equal(bar.Name, pid.Node);
        Assert.Equal("from a closure", await local.AwaitAsync(cancellationToken: Ct));
    }

    [Fact]
    public async Task TaskStartedFromAProcess_IsLinkedToIt()
    {
        var (nodes, foo, _, tasks) = await TwoNodesAsync();
        await using var _ = nodes;
        var down = new TaskCompletionSource<DownMessage>();

        foo.Spawn(async watcher =>
        {
            var owner = watcher.Spawn(async context =>
            {
                await TaskSupervisor.Async(context.Node, tasks, "Test.Functions", "Fail", ["linked"], Ct);
                await context.ReceiveAsync(m => m is "never", TimeSpan.FromSeconds(5));
            });
            watcher.Monitor(owner);
            down.SetResult((DownMessage)(await watcher.ReceiveAsync(m => m is DownMessage, TimeSpan.FromSeconds(5)))!);
        });

        Assert.Contains("linked", Exits.Describe((await down.Task.WaitAsync(TimeSpan.FromSeconds(5), Ct)).Reason), StringComparison.Ordinal);
    }
}

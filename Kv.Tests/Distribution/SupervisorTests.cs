using Kv.Distribution;
using Kv.Distribution.Processes;
using Kv.Distribution.Servers;
using Kv.Distribution.Supervision;
using Kv.Distribution.Terms;
using Kv.Tests.Support;

namespace Kv.Tests.Distribution;

public sealed class SupervisorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ChildSpec Sleeper(string id, RestartPolicy restart = RestartPolicy.Permanent) =>
        new(id, parent => parent.SpawnLink(async context => await context.ReceiveAsync(m => m is "never")), restart);

    private static async Task<Dictionary<string, Pid>> ChildrenAsync(Node node, Pid supervisor)
    {
        var list = (object?[])(await GenServer.CallAsync(node, supervisor, Supervisor.WhichChildren, cancellationToken: Ct))!;
        return list.Cast<object?[]>().ToDictionary(c => (string)c[0]!, c => (Pid)c[1]!);
    }

    [Fact]
    public async Task OneForOne_RestartsOnlyTheChildThatDied()
    {
        await using var nodes = new TestNodes();
        var node = await nodes.StartAsync("solo");
        var supervisor = Supervisor.Start(node, [Sleeper("a"), Sleeper("b")]);
        var before = await ChildrenAsync(node, supervisor);

        node.Spawn(context => { context.Exit(before["a"], new Atom("crash")); return Task.CompletedTask; });

        await Eventually.TrueAsync(async () => (await ChildrenAsync(node, supervisor))["a"] != before["a"], TimeSpan.FromSeconds(5), "a to be restarted");
        Assert.Equal(before["b"], (await ChildrenAsync(node, supervisor))["b"]);
    }

    [Fact]
    public async Task OneForAll_RestartsEveryChild()
    {
        await using var nodes = new TestNodes();
        var node = await nodes.StartAsync("solo");
        var supervisor = Supervisor.Start(node, [Sleeper("a"), Sleeper("b")], new SupervisorOptions(RestartStrategy.OneForAll));
        var before = await ChildrenAsync(node, supervisor);

        node.Spawn(context => { context.Exit(before["a"], new Atom("crash")); return Task.CompletedTask; });

        await Eventually.TrueAsync(
            async () => await ChildrenAsync(node, supervisor) is var now && now.Count == 2 && now["a"] != before["a"] && now["b"] != before["b"],
            TimeSpan.FromSeconds(5),
            "both children to be restarted");
    }

    [Fact]
    public async Task TransientAndTemporaryChildren_FollowTheirPolicy()
    {
        await using var nodes = new TestNodes();
        var node = await nodes.StartAsync("solo");
        var supervisor = Supervisor.Start(node, [Sleeper("transient", RestartPolicy.Transient), Sleeper("temporary", RestartPolicy.Temporary)]);
        var before = await ChildrenAsync(node, supervisor);

        node.Spawn(context =>
        {
            context.Exit(before["transient"], Exits.Shutdown);
            context.Exit(before["temporary"], new Atom("crash"));
            return Task.CompletedTask;
        });

        await Eventually.TrueAsync(async () => (await ChildrenAsync(node, supervisor)).Count == 0, TimeSpan.FromSeconds(5), "neither child to come back");
    }

    [Fact]
    public async Task TooManyRestarts_StopTheSupervisor()
    {
        await using var nodes = new TestNodes();
        var node = await nodes.StartAsync("solo");
        var crasher = new ChildSpec("crasher", parent => parent.SpawnLink(_ => throw new InvalidOperationException("always")));
        var exit = new TaskCompletionSource<ExitMessage>();

        node.Spawn(async context =>
        {
            // Linked at spawn: the supervisor may give up before a monitor could be set.
            context.TrapExits = true;
            Supervisor.StartLink(context, [crasher], new SupervisorOptions(MaxRestarts: 3, Within: TimeSpan.FromSeconds(5)));
            exit.SetResult((ExitMessage)(await context.ReceiveAsync(m => m is ExitMessage, TimeSpan.FromSeconds(5)))!);
        });

        Assert.Equal(Exits.Shutdown, (await exit.Task.WaitAsync(TimeSpan.FromSeconds(5), Ct)).Reason);
    }
}

using Kv.Distribution.Nodes;
using Kv.Distribution.Processes;
using Kv.Distribution.Terms;
using Kv.Tests.Support;

namespace Kv.Tests.Distribution;

/// <summary>
/// Sends and signals reach any pid, here or there, without throwing or blocking: a pid that names
/// no process is a dead letter that answers links and monitors with <c>noproc</c>, and a value that
/// cannot cross the wire is dropped, not thrown.
/// </summary>
public sealed class SignalsAnywhereTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(5);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task APidOfAFormerIncarnation_IsADeadLetter_ThatAnswersLinksAndMonitorsWithNoProc()
    {
        await using var nodes = new TestNodes();
        var node = await nodes.StartAsync("solo");
        var former = new Pid(node.Name, 1, node.Creation + 2);
        var seen = new TaskCompletionSource<(ExitMessage, DownMessage)>();

        node.Spawn(async context =>
        {
            context.Send(former, "hello?");
            context.TrapExits = true;
            context.Link(former);
            var exit = (ExitMessage)(await context.ReceiveAsync(m => m is ExitMessage, s_wait))!;
            var monitor = context.Monitor(former);
            var down = (DownMessage)(await context.ReceiveAsync(m => m is DownMessage d && d.Monitor == monitor, s_wait))!;
            seen.SetResult((exit, down));
        });

        var (exitMessage, downMessage) = await seen.Task.WaitAsync(s_wait, Ct);
        Assert.Equal(Exits.NoProc, exitMessage.Reason);
        Assert.Equal(former, exitMessage.From);
        Assert.Equal(Exits.NoProc, downMessage.Reason);
    }

    [Fact]
    public async Task AMessageThatCannotCrossTheWire_IsDropped_AndTheLinkGoesOn()
    {
        await using var nodes = new TestNodes();
        var foo = await nodes.StartAsync("foo");
        var bar = await nodes.StartAsync("bar");
        var received = new TaskCompletionSource<object?>();
        var receiver = bar.Spawn(async context => received.SetResult(await context.ReceiveAsync(s_wait)));

        foo.Send(receiver, new Uri("http://not-a-term"));
        foo.Send(receiver, "after");

        Assert.Equal("after", await received.Task.WaitAsync(s_wait, Ct));
        Assert.Contains(bar.Name, foo.ConnectedNodes);
    }

    [Fact]
    public async Task AnExplicitExit_ToAProcessOfANodeNotLinkedYet_SetsUpTheLinkAndKillsIt()
    {
        await using var nodes = new TestNodes();
        var foo = await nodes.StartAsync("foo");
        var bar = await nodes.StartAsync("bar");
        var victim = bar.Spawn(async context =>
        {
            context.TrapExits = true;
            await context.ReceiveAsync(m => m is "never", s_wait);
        });
        var victimEnded = bar.WhenExitedAsync(victim, s_wait, Ct); // monitors it before it can end

        Assert.Empty(foo.ConnectedNodes);

        foo.Spawn(context =>
        {
            context.Exit(victim, Exits.Kill);
            return Task.CompletedTask;
        });

        Assert.Equal(Exits.Killed, await victimEnded.WaitAsync(s_wait, Ct));
    }

    [Fact]
    public async Task SendingToANodeThatIsNotThere_NeitherThrowsNorBlocks_AndAMonitorOfItsProcessIsDownWithNoConnection()
    {
        await using var nodes = new TestNodes();
        var node = await nodes.StartAsync("solo");
        var ghost = new Pid(NodeName.Parse("ghost@localhost"), 1, 1);
        var down = new TaskCompletionSource<DownMessage>();

        node.Spawn(async context =>
        {
            context.Send(ghost, "anyone?");
            var monitor = context.Monitor(ghost);
            down.SetResult((DownMessage)(await context.ReceiveAsync(m => m is DownMessage d && d.Monitor == monitor, s_wait))!);
        });

        Assert.Equal(Exits.NoConnection, (await down.Task.WaitAsync(s_wait, Ct)).Reason);
    }
}

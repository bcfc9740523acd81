using System.Diagnostics;
using System.Net.Sockets;
using Kv.Distribution.Control;
using Kv.Distribution.Processes;
using Kv.Distribution.Rpc;
using Kv.Distribution.Terms;
using Kv.Tests.Support;

namespace Kv.Tests.Distribution;

/// <summary>Processes on one node and across two, over real loopback links.</summary>
public sealed class ProcessTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(5);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SendAndReceive_InOrder_WithSelectiveReceiveAndTimeout()
    {
        await using var nodes = new TestNodes();
        var node = await nodes.StartAsync("solo");
        var result = new TaskCompletionSource<object?[]>();

        var pid = node.Spawn(async context =>
        {
            var second = await context.ReceiveAsync(m => m is "second", s_wait);
            var first = await context.ReceiveAsync(s_wait);
            var third = await context.ReceiveAsync(s_wait);
            var timedOut = false;
            try
            {
                await context.ReceiveAsync(TimeSpan.FromMilliseconds(50));
            }
            catch (TimeoutException)
            {
                timedOut = true;
            }

            result.SetResult([second, first, third, timedOut]);
        });
        node.Send(pid, "first");
        node.Send(pid, "second");
        node.Send(pid, "third");

        Assert.Equal(["second", "first", "third", true], await result.Task.WaitAsync(s_wait, Ct));
    }

    [Fact]
    public async Task ReceiveWithATimeout_NeverGivesUpBeforeIt()
    {
        await using var nodes = new TestNodes();
        var node = await nodes.StartAsync("solo");
        var waits = new TaskCompletionSource<List<(TimeSpan Timeout, TimeSpan Took)>>();

        // 40 receives with timeouts 5-44 ms: .NET's timers run on a coarse clock (4 ms steps on
        // this kernel) and may fire a little early; the receive must wait the rest.
        node.Spawn(async context =>
        {
            var measured = new List<(TimeSpan, TimeSpan)>();
            for (var i = 0; i < 40; i++)
            {
                var timeout = TimeSpan.FromMilliseconds(5 + i);
                var watch = Stopwatch.StartNew();
                await Assert.ThrowsAsync<TimeoutException>(async () => await context.ReceiveAsync(timeout));
                measured.Add((timeout, watch.Elapsed));
            }

            waits.SetResult(measured);
        });

        Assert.All(await waits.Task.WaitAsync(s_wait, Ct), wait => Assert.True(wait.Took >= wait.Timeout, $"gave up after {wait.Took.TotalMilliseconds:F2} ms of {wait.Timeout.TotalMilliseconds} ms"));
    }

    [Fact]
    public async Task LongMailbox_KeepsOrder_AcrossCompaction_AndSelectiveReceiveFromTheMiddle()
    {
        await using var nodes = new TestNodes();
        var node = await nodes.StartAsync("solo");
        var result = new TaskCompletionSource<(object?, List<object?>)>();

        var pid = node.Spawn(async context =>
        {
            var picked = await context.ReceiveAsync(m => m is 2500L, s_wait);
            var rest = new List<object?>();
            for (var i = 0; i < 4999; i++)
            {
                rest.Add(await context.ReceiveAsync(s_wait));
            }

            result.SetResult((picked, rest));
        });
        for (var i = 0L; i < 5000; i++)
        {
            node.Send(pid, i);
        }

        var (middle, others) = await result.Task.WaitAsync(s_wait, Ct);
        Assert.Equal(2500L, middle);
        Assert.Equal(Enumerable.Range(0, 5000).Where(i => i != 2500).Select(i => (object?)(long)i), others);
    }

    [Fact]
    public async Task PingPong_WithARemotePid_IsLocationTransparent()
    {
        await using var nodes = new TestNodes();
        var foo = await nodes.StartAsync("foo");
        var bar = await nodes.StartAsync("bar");
        bar.Functions.RegisterModule(typeof(TestFunctions));
        var replies = new TaskCompletionSource<List<object?>>();

        foo.Spawn(async context =>
        {
            var pong = await context.SpawnAsync(bar.Name, "Test.Functions", "Pong", [], cancellationToken: Ct);
            Assert.Equal(bar.Name, pong.Node);
            var seen = new List<object?>();
            for (var i = 0; i < 100; i++)
            {
                context.Send(pong, new object?[] { context.Self, (long)i });
                seen.Add(((object?[])(await context.ReceiveAsync(s_wait))!)[1]);
            }

            replies.SetResult(seen);
        });

        Assert.Equal(Enumerable.Range(0, 100).Select(i => (object?)(long)i), await replies.Task.WaitAsync(s_wait, Ct));
    }

    [Fact]
    public async Task RegisteredName_OnAnotherNode_ReceivesMessages()
    {
        await using var nodes = new TestNodes();
        var foo = await nodes.StartAsync("foo");
        var bar = await nodes.StartAsync("bar");
        var received = new TaskCompletionSource<object?>();
        var registered = new TaskCompletionSource();
        bar.Spawn(async context =>
        {
            Assert.True(context.Register("inbox"));
            registered.SetResult();
            received.SetResult(await context.ReceiveAsync(s_wait));
        });
        await registered.Task.WaitAsync(s_wait, Ct);

        foo.Send("inbox", bar.Name, "to a name");

        Assert.Equal("to a name", await received.Task.WaitAsync(s_wait, Ct));
        Assert.NotNull(bar.WhereIs("inbox"));
        await Eventually.TrueAsync(() => bar.WhereIs("inbox") is null, "the name to go with its process");
    }

    [Fact]
    public async Task RemoteLink_AbnormalExit_KillsTheOtherSide_UnlessItTrapsExits()
    {
        await using var nodes = new TestNodes();
        var foo = await nodes.StartAsync("foo");
        var bar = await nodes.StartAsync("bar");
        bar.Functions.RegisterModule(typeof(TestFunctions));
        var trapped = new TaskCompletionSource<ExitMessage>();
        var victimDown = new TaskCompletionSource<DownMessage>();

        foo.Spawn(async context =>
        {
            context.TrapExits = true;
            var crasher = await context.SpawnAsync(bar.Name, "Test.Functions", "Crash", [], link: true, cancellationToken: Ct);
            trapped.SetResult((ExitMessage)(await context.ReceiveAsync(m => m is ExitMessage, s_wait))!);
        });
        foo.Spawn(async context =>
        {
            var victim = context.Spawn(async inner =>
            {
                await inner.SpawnAsync(bar.Name, "Test.Functions", "Crash", [], link: true, cancellationToken: Ct);
                await inner.ReceiveAsync(s_wait);
            });
            context.Monitor(victim);
            victimDown.SetResult((DownMessage)(await context.ReceiveAsync(m => m is DownMessage, s_wait))!);
        });

        var exit = await trapped.Task.WaitAsync(s_wait, Ct);
        Assert.Equal(bar.Name, exit.From.Node);
        Assert.Contains("crashed on purpose", Exits.Describe(exit.Reason), StringComparison.Ordinal);
        var down = await victimDown.Task.WaitAsync(s_wait, Ct);
        Assert.Contains("crashed on purpose", Exits.Describe(down.Reason), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MessagesFromAnotherNode_ArriveInOrder_AndBeforeTheExitSignalSentAfterThem()
    {
        await using var nodes = new TestNodes();
        var foo = await nodes.StartAsync("foo");
        var bar = await nodes.StartAsync("bar");
        bar.Functions.RegisterModule(typeof(TestFunctions));
        const long count = 19_994; // the last run of 7 goes to the linked process, right before the exit signal
        var all = Enumerable.Range(1, (int)count).Select(i => (long)i).ToArray();
        var toLinked = all.Where(i => i / 7 % 2 == 0).ToArray();
        var toOther = all.Where(i => i / 7 % 2 == 1).ToArray();
        var other = new TaskCompletionSource<List<long>>();
        var linked = new TaskCompletionSource<(List<long> Messages, object? Last)>();

        var otherPid = foo.Spawn(async context =>
        {
            var messages = new List<long>();
            while (messages.Count < toOther.Length && await context.ReceiveAsync(s_wait) is long n)
            {
                messages.Add(n);
            }

            other.SetResult(messages);
        });
        foo.Spawn(async context =>
        {
            context.TrapExits = true;
            await context.SpawnAsync(bar.Name, "Test.Functions", "Burst", [context.Self, otherPid, count], link: true, cancellationToken: Ct);
            var messages = new List<long>();
            object? message;
            while ((message = await context.ReceiveAsync(s_wait)) is long n)
            {
                messages.Add(n);
            }

            linked.SetResult((messages, message));
        });

        var (received, last) = await linked.Task.WaitAsync(s_wait, Ct);
        Assert.Equal(toLinked, received);
        Assert.Contains("burst over", Exits.Describe(Assert.IsType<ExitMessage>(last).Reason), StringComparison.Ordinal);
        Assert.Equal(toOther, await other.Task.WaitAsync(s_wait, Ct));
    }

    [Fact]
    public async Task MessagesReadInOneBatch_ReachTheirProcessesInOrder_AndBeforeASignalReadAfterThem()
    {
        await using var nodes = new TestNodes();
        var node = await nodes.StartAsync("target");
        var (socket, rogue) = await RawPeer.HandshakenAsync(nodes, node, Ct);
        using var _ = socket;
        var trapping = new TaskCompletionSource();
        var first = new TaskCompletionSource<object?[]>();
        var second = new TaskCompletionSource<object?[]>();
        var firstPid = node.Spawn(async context =>
        {
            context.TrapExits = true;
            trapping.SetResult();
            var got = new object?[5];
            for (var i = 0; i < got.Length; i++)
            {
                got[i] = await context.ReceiveAsync(s_wait);
            }

            first.SetResult(got);
        });
        var secondPid = node.Spawn(async context => second.SetResult([await context.ReceiveAsync(s_wait), await context.ReceiveAsync(s_wait)]));
        await trapping.Task.WaitAsync(s_wait, Ct);
        var from = new Pid(rogue, 1, 7);

        // One write, so one read: runs of messages to two processes, with an exit signal among them.
        await socket.SendAsync(
            RawPeer.Frames(
                new SendFrame(firstPid, 1L),
                new SendFrame(firstPid, 2L),
                new SendFrame(secondPid, 3L),
                new SendFrame(firstPid, 4L),
                new ExitFrame(from, firstPid, new Atom("boom"), explicitSignal: true),
                new SendFrame(secondPid, 5L),
                new SendFrame(firstPid, 6L)),
            SocketFlags.None,
            Ct);

        var got = await first.Task.WaitAsync(s_wait, Ct);
        Assert.Equal([1L, 2L, 4L], got[..3]);
        Assert.Equal(new ExitMessage(from, new Atom("boom")), got[3]);
        Assert.Equal(6L, got[4]);
        Assert.Equal([3L, 5L], await second.Task.WaitAsync(s_wait, Ct));
    }

    [Fact]
    public async Task NormalExit_DoesNotKillLinkedProcesses()
    {
        await using var nodes = new TestNodes();
        var node = await nodes.StartAsync("solo");
        var survived = new TaskCompletionSource<bool>();

        node.Spawn(async context =>
        {
            context.SpawnLink(_ => Task.CompletedTask);
            await Assert.ThrowsAsync<TimeoutException>(async () => await context.ReceiveAsync(TimeSpan.FromMilliseconds(100)));
            survived.SetResult(true);
        });

        Assert.True(await survived.Task.WaitAsync(s_wait, Ct));
    }

    [Fact]
    public async Task RemoteMonitor_DeliversDown_WithTheReason_AndNoProcForADeadPid()
    {
        await using var nodes = new TestNodes();
        var foo = await nodes.StartAsync("foo");
        var bar = await nodes.StartAsync("bar");
        var target = bar.Spawn(async context => await context.ReceiveAsync(m => m is "stop", s_wait));
        var downs = new TaskCompletionSource<(DownMessage, DownMessage)>();

        foo.Spawn(async context =>
        {
            var monitor = context.Monitor(target);
            context.Send(target, "stop");
            var first = (DownMessage)(await context.ReceiveAsync(m => m is DownMessage, s_wait))!;
            Assert.Equal(monitor, first.Monitor);
            context.Monitor(target);
            var second = (DownMessage)(await context.ReceiveAsync(m => m is DownMessage, s_wait))!;
            downs.SetResult((first, second));
        });

        var (normal, dead) = await downs.Task.WaitAsync(s_wait, Ct);
        Assert.Equal(Exits.Normal, normal.Reason);
        Assert.Equal(Exits.NoProc, dead.Reason);
    }

    [Fact]
    public async Task BrokenLink_GivesNoConnection_ToLinksAndMonitors()
    {
        await using var nodes = new TestNodes();
        var foo = await nodes.StartAsync("foo");
        var bar = await nodes.StartAsync("bar");
        var remote = bar.Spawn(async context => await context.ReceiveAsync());
        var seen = new TaskCompletionSource<(ExitMessage, DownMessage)>();
        var ready = new TaskCompletionSource();

        foo.Spawn(async context =>
        {
            context.TrapExits = true;
            context.Link(remote);
            context.Monitor(remote);
            ready.SetResult();
            var exit = (ExitMessage)(await context.ReceiveAsync(m => m is ExitMessage, s_wait))!;
            var down = (DownMessage)(await context.ReceiveAsync(m => m is DownMessage, s_wait))!;
            seen.SetResult((exit, down));
        });
        await ready.Task.WaitAsync(s_wait, Ct);
        await Eventually.TrueAsync(() => foo.ConnectedNodes.Contains(bar.Name), "the link");

        foo.Disconnect(bar.Name);

        var (exitMessage, downMessage) = await seen.Task.WaitAsync(s_wait, Ct);
        Assert.Equal(Exits.NoConnection, exitMessage.Reason);
        Assert.Equal(Exits.NoConnection, downMessage.Reason);
    }

    [Fact]
    public async Task ExitKill_EndsEvenATrappingProcess()
    {
        await using var nodes = new TestNodes();
        var foo = await nodes.StartAsync("foo");
        var bar = await nodes.StartAsync("bar");
        var trapping = new TaskCompletionSource();
        var target = bar.Spawn(async context =>
        {
            context.TrapExits = true;
            trapping.SetResult();
            while (true)
            {
                await context.ReceiveAsync();
            }
        });
        await trapping.Task.WaitAsync(s_wait, Ct);
        var down = new TaskCompletionSource<DownMessage>();

        foo.Spawn(async context =>
        {
            context.Monitor(target);
            context.Exit(target, new Atom("please"));
            context.Exit(target, Exits.Kill);
            down.SetResult((DownMessage)(await context.ReceiveAsync(m => m is DownMessage, s_wait))!);
        });

        Assert.Equal(Exits.Killed, (await down.Task.WaitAsync(s_wait, Ct)).Reason);
    }

    [Fact]
    public async Task RemoteSpawnMonitor_DeliversTheCrashReason()
    {
        await using var nodes = new TestNodes();
        var foo = await nodes.StartAsync("foo");
        var bar = await nodes.StartAsync("bar");
        bar.Functions.RegisterModule(typeof(TestFunctions));
        var down = new TaskCompletionSource<(Ref, DownMessage)>();

        foo.Spawn(async context =>
        {
            var (_, monitor) = await context.SpawnMonitorAsync(bar.Name, "Test.Functions", "Crash", [], Ct);
            down.SetResult((monitor, (DownMessage)(await context.ReceiveAsync(m => m is DownMessage, s_wait))!));
        });

        var (expected, message) = await down.Task.WaitAsync(s_wait, Ct);
        Assert.Equal(expected, message.Monitor);
        Assert.Contains("crashed on purpose", Exits.Describe(message.Reason), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RemoteSpawn_OfAnUnexportedFunction_IsUndefined()
    {
        await using var nodes = new TestNodes();
        var foo = await nodes.StartAsync("foo");
        var bar = await nodes.StartAsync("bar");

        var error = await Assert.ThrowsAsync<RpcException>(() => foo.SpawnAsync(bar.Name, "Hello", "World", [], Ct));

        Assert.Equal(RpcFailure.Undefined, error.Failure);
        Assert.Contains("Hello.World is undefined", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OutputOfARemotelySpawnedProcess_AppearsOnTheCallersConsole_InOrder()
    {
        await using var nodes = new TestNodes();
        var fooConsole = new StringWriter();
        var barConsole = new StringWriter();
        var foo = await nodes.StartAsync("foo", console: TextWriter.Synchronized(fooConsole));
        var bar = await nodes.StartAsync("bar", console: TextWriter.Synchronized(barConsole));
        bar.Functions.RegisterModule(typeof(TestFunctions));

        await foo.SpawnAsync(bar.Name, "Test.Functions", "Hello", ["world"], Ct);

        var expected = $"hello world{Environment.NewLine}second line{Environment.NewLine}";
        await Eventually.TrueAsync(() => fooConsole.ToString() == expected, "the output on foo's console");
        Assert.Equal("", barConsole.ToString());
    }

    [Fact]
    public async Task MillionShortLivedProcesses_LeaveNothingBehind()
    {
        await using var nodes = new TestNodes();
        var node = await nodes.StartAsync("solo");
        var baseline = node.ProcessCount;
        var watcherDone = new TaskCompletionSource();

        node.Spawn(async context =>
        {
            for (var batch = 0; batch < 100; batch++)
            {
                for (var i = 0; i < 10_000; i++)
                {
                    var child = context.SpawnLink(static c =>
                    {
                        c.Register("short-lived-" + c.Self.Id);
                        return Task.CompletedTask;
                    });
                    context.Monitor(child);
                }

                for (var i = 0; i < 10_000; i++)
                {
                    await context.ReceiveAsync(m => m is DownMessage, s_wait);
                }

                if (batch == 9)
                {
                    GC.Collect();
                    GC.WaitForPendingFinalizers();
                    context.Send(context.Self, GC.GetTotalMemory(forceFullCollection: true));
                }
            }

            var early = (long)(await context.ReceiveAsync(m => m is long, s_wait))!;
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var late = GC.GetTotalMemory(forceFullCollection: true);
            Assert.True(late - early < 16 * 1024 * 1024, $"memory grew from {early} to {late} bytes over 900,000 processes");
            watcherDone.SetResult();
        });

        await watcherDone.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct);
        await Eventually.TrueAsync(() => node.ProcessCount == baseline, "every process to be gone");
    }
}

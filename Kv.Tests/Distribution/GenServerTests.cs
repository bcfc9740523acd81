using Kv.Distribution.Processes;
using Kv.Distribution.Servers;
using Kv.Distribution.Terms;
using Kv.Tests.Support;

namespace Kv.Tests.Distribution;

public sealed class GenServerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A counter: call "get" answers the count, cast "add" adds, info messages are counted too.</summary>
    private sealed class Counter : GenServer
    {
        private long _count;

        protected override ValueTask<object?> HandleCallAsync(object? request, CallFrom from) => request switch
        {
            "get" => ValueTask.FromResult<object?>(_count),
            "stop" => throw new ExitException(new Atom("asked_to")),
            "slow" => SlowAsync(),
            _ => base.HandleCallAsync(request, from),
        };

        protected override ValueTask HandleCastAsync(object? request)
        {
            _count += request is long n ? n : 0;
            return ValueTask.CompletedTask;
        }

        protected override ValueTask HandleInfoAsync(object? message)
        {
            _count += 1000;
            return ValueTask.CompletedTask;
        }

        private static async ValueTask<object?> SlowAsync()
        {
            await Task.Delay(2000);
            return "late";
        }
    }

    [Fact]
    public async Task CallCastAndInfo_AreHandledInOrder()
    {
        await using var nodes = new TestNodes();
        var node = await nodes.StartAsync("solo");
        var server = GenServer.Start(node, new Counter());

        GenServer.Cast(node, server, 5L);
        node.Send(server, "anything");

        Assert.Equal(1005L, await GenServer.CallAsync(node, server, "get", cancellationToken: Ct));
    }

    [Fact]
    public async Task Start_WithAName_IsFoundByIt_WhenItReturns_AndASecondWithTheNameEnds()
    {
        await using var nodes = new TestNodes();
        var node = await nodes.StartAsync("solo");

        var first = GenServer.Start(node, new Counter(), "counter");
        Assert.Equal(first, node.WhereIs("counter"));

        var reason = new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously);
        node.Spawn(async context =>
        {
            context.TrapExits = true;
            GenServer.StartLink(context, new Counter(), "counter");
            reason.SetResult(((ExitMessage)(await context.ReceiveAsync(m => m is ExitMessage, TimeSpan.FromSeconds(5)))!).Reason);
        });
        Assert.Equal(new object?[] { new Atom("already_started"), "counter" }, await reason.Task.WaitAsync(TimeSpan.FromSeconds(5), Ct));
        Assert.Equal(first, node.WhereIs("counter"));
        Assert.Equal(0L, await GenServer.CallAsync(node, ServerRef.To("counter", node.Name), "get", cancellationToken: Ct));
    }

    [Fact]
    public async Task Call_ToANamedServerOnAnotherNode_Works()
    {
        await using var nodes = new TestNodes();
        var foo = await nodes.StartAsync("foo");
        var bar = await nodes.StartAsync("bar");
        GenServer.Start(bar, new Counter(), "counter");

        GenServer.Cast(foo, ServerRef.To("counter", bar.Name), 7L);

        Assert.Equal(7L, await GenServer.CallAsync(foo, ServerRef.To("counter", bar.Name), "get", cancellationToken: Ct));
    }

    [Fact]
    public async Task Call_ToNoServer_IsNoProc_HereAndRemotely()
    {
        await using var nodes = new TestNodes();
        var foo = await nodes.StartAsync("foo");
        var bar = await nodes.StartAsync("bar");

        var local = await Assert.ThrowsAsync<ExitException>(() => GenServer.CallAsync(foo, ServerRef.To("nobody", foo.Name), "get", cancellationToken: Ct));
        var remote = await Assert.ThrowsAsync<ExitException>(() => GenServer.CallAsync(foo, ServerRef.To("nobody", bar.Name), "get", cancellationToken: Ct));

        Assert.Equal(Exits.NoProc, local.Reason);
        Assert.Equal(Exits.NoProc, remote.Reason);
    }

    [Fact]
    public async Task Call_ThatStopsTheServer_FailsWithItsReason_AndTimeoutsAreTimeouts()
    {
        await using var nodes = new TestNodes();
        var foo = await nodes.StartAsync("foo");
        var bar = await nodes.StartAsync("bar");
        var server = GenServer.Start(bar, new Counter());

        var timeout = await Assert.ThrowsAsync<ExitException>(() => GenServer.CallAsync(foo, server, "slow", TimeSpan.FromMilliseconds(100), Ct));
        var stopped = await Assert.ThrowsAsync<ExitException>(() => GenServer.CallAsync(foo, server, "stop", cancellationToken: Ct));

        Assert.Equal(Exits.Timeout, timeout.Reason);
        Assert.Equal(new Atom("asked_to"), stopped.Reason);
    }

    [Fact]
    public async Task Call_WithATimeout_NeverGivesUpBeforeIt()
    {
        await using var nodes = new TestNodes();
        var foo = await nodes.StartAsync("foo");
        var silent = foo.Spawn(async context =>
        {
            while (true)
            {
                await context.ReceiveAsync(Timeout.InfiniteTimeSpan); // takes every call, answers none
            }
        });

        // .NET's timers run on a coarse clock (4 ms steps on this kernel) and may fire a little
        // early; the call must wait the rest.
        for (var i = 0; i < 30; i++)
        {
            var timeout = TimeSpan.FromMilliseconds(5 + i);
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var error = await Assert.ThrowsAsync<ExitException>(() => GenServer.CallAsync(foo, silent, "hello", timeout, Ct));
            var took = watch.Elapsed;

            Assert.Equal(Exits.Timeout, error.Reason);
            Assert.True(took >= timeout, $"gave up after {took.TotalMilliseconds:F2} ms of {timeout.TotalMilliseconds} ms");
        }
    }

    [Fact]
    public async Task ManyCalls_LeaveNoMonitorsBehind()
    {
        await using var nodes = new TestNodes();
        var foo = await nodes.StartAsync("foo");
        var bar = await nodes.StartAsync("bar");
        GenServer.Start(bar, new Counter(), "counter");

        await Task.WhenAll(Enumerable.Range(0, 500).Select(_ => GenServer.CallAsync(foo, ServerRef.To("counter", bar.Name), "get", cancellationToken: Ct)));

        Assert.True(bar.Processes.TryGet("counter", out var server));
        await Eventually.TrueAsync(() => server.WatcherCount == 0, "every call's monitor to be removed");
    }
}

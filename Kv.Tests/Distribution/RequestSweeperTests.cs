using System.Diagnostics;
using Kv.Distribution;
using Kv.Distribution.Connections;
using Kv.Distribution.Rpc;
using Kv.Distribution.Support;
using Kv.Tests.Support;

namespace Kv.Tests.Distribution;

/// <summary>
/// The sweeper that fails requests at their deadlines: it wakes when the earliest deadline is due,
/// sooner when an earlier one comes, and not at all while no request is pending.
/// </summary>
public sealed class RequestSweeperTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ACall_TimesOutAtItsDeadline_ThenTheSweeperSleepsUntilTheNextRequest()
    {
        var (nodes, foo, bar) = await LinkedNodesAsync();
        await using var _ = nodes;

        var watch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<RpcException>(() => foo.CallAsync(bar.Name, "Test.Functions", "Sleep", [5000], TimeSpan.FromMilliseconds(150), Ct));
        var took = watch.Elapsed;

        Assert.Equal(RpcFailure.Timeout, error.Failure);
        Assert.InRange(took, TimeSpan.FromMilliseconds(150), TimeSpan.FromMilliseconds(1000));
        Assert.Equal(long.MaxValue, foo.Links.Sweeper.NextSweep); // nothing pending: no wake-up planned
    }

    [Fact]
    public async Task ManyConcurrentCalls_WithDeadlinesInAnyOrder_EachTimeOutAtItsOwn()
    {
        var (nodes, foo, bar) = await LinkedNodesAsync();
        await using var _ = nodes;

        // 400 calls from 4 threads at once, deadlines 50-450 ms away in a shuffled order: every
        // request added while the sweeper sleeps, sweeps or plans must end at its deadline, and
        // not before it (deadlines on TickCount64's coarse clock ended some early).
        var timeouts = Enumerable.Range(0, 400).Select(i => TimeSpan.FromMilliseconds(50 + ((i * 37) % 400))).ToArray();
        var calls = await Task.WhenAll(Enumerable.Range(0, 4).Select(thread => Task.Run(
            () => Task.WhenAll(timeouts.Where((_, i) => i % 4 == thread).Select(async timeout =>
            {
                var watch = Stopwatch.StartNew();
                var error = await Assert.ThrowsAsync<RpcException>(() => foo.CallAsync(bar.Name, "Test.Functions", "Sleep", [5000], timeout, Ct));
                return (Timeout: timeout, error.Failure, Took: watch.Elapsed);
            })),
            Ct)));

        Assert.All(calls.SelectMany(call => call), call =>
        {
            Assert.Equal(RpcFailure.Timeout, call.Failure);
            Assert.InRange(call.Took, call.Timeout, call.Timeout + TimeSpan.FromSeconds(1));
        });
    }

    [Fact]
    public async Task AnEarlierDeadline_WakesTheSweeper_PlannedForALaterOne()
    {
        var deadlines = new List<long>();
        var swept = new List<long>();
        using var sweeper = new RequestSweeper(now =>
        {
            lock (deadlines)
            {
                swept.Add(now);
                deadlines.RemoveAll(deadline => deadline <= now);
                return deadlines.Count == 0 ? long.MaxValue : deadlines.Min();
            }
        });

        var start = Deadline.Now;
        var late = Deadline.After(TimeSpan.FromMinutes(1));
        Pending(sweeper, deadlines, late);
        Assert.Equal(late, sweeper.NextSweep);
        Pending(sweeper, deadlines, Deadline.After(TimeSpan.FromMilliseconds(100)));

        await Eventually.TrueAsync(() => { lock (deadlines) { return swept.Count > 0; } }, "the sweep of the deadline 100 ms away", TimeSpan.FromSeconds(5));
        lock (deadlines)
        {
            // At its deadline, not a minute later.
            Assert.InRange(Stopwatch.GetElapsedTime(start, swept[0]), TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1));
        }

        await Eventually.TrueAsync(() => sweeper.NextSweep == late, "the plan to sweep the deadline left", TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void ALaterDeadline_LeavesTheSweepPlannedForTheEarliest()
    {
        using var sweeper = new RequestSweeper(_ => long.MaxValue);
        Assert.Equal(long.MaxValue, sweeper.NextSweep);

        var earlier = Deadline.After(TimeSpan.FromSeconds(50));
        sweeper.RequestPending(earlier);
        sweeper.RequestPending(Deadline.After(TimeSpan.FromSeconds(60)));

        Assert.Equal(earlier, sweeper.NextSweep);
    }

    /// <summary>Two nodes, bar exporting the test functions, with the link between them up.</summary>
    private static async Task<(TestNodes Nodes, Node Foo, Node Bar)> LinkedNodesAsync()
    {
        var nodes = new TestNodes();
        var foo = await nodes.StartAsync("foo");
        var bar = await nodes.StartAsync("bar");
        bar.Functions.RegisterModule(typeof(TestFunctions));
        Assert.Equal(42L, await foo.CallAsync(bar.Name, "Test.Functions", "Add", [40, 2], cancellationToken: Ct));
        return (nodes, foo, bar);
    }

    private static void Pending(RequestSweeper sweeper, List<long> deadlines, long deadline)
    {
        lock (deadlines)
        {
            deadlines.Add(deadline);
        }

        sweeper.RequestPending(deadline);
    }
}

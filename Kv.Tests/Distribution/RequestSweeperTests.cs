using System.Diagnostics;
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
        await using var nodes = new TestNodes();
        var foo = await nodes.StartAsync("foo");
        var bar = await nodes.StartAsync("bar");
        bar.Functions.RegisterModule(typeof(TestFunctions));
        Assert.Equal(42L, await foo.CallAsync(bar.Name, "Test.Functions", "Add", [40, 2], cancellationToken: Ct)); // the link is up

        var watch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<RpcException>(() => foo.CallAsync(bar.Name, "Test.Functions", "Sleep", [5000], TimeSpan.FromMilliseconds(150), Ct));
        var took = watch.Elapsed;

        Assert.Equal(RpcFailure.Timeout, error.Failure);
        Assert.InRange(took, TimeSpan.FromMilliseconds(150), TimeSpan.FromMilliseconds(1000));
        Assert.Equal(long.MaxValue, foo.Links.Sweeper.NextSweep); // nothing pending: no wake-up planned
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

    private static void Pending(RequestSweeper sweeper, List<long> deadlines, long deadline)
    {
        lock (deadlines)
        {
            deadlines.Add(deadline);
        }

        sweeper.RequestPending(deadline);
    }
}

using System.Diagnostics;
using Kv.Tests.Support;

namespace Kv.Tests.MultiHost;

/// <summary>
/// What a client of foo sees while bar, on another host, cannot be reached, and once it can again,
/// for each way of losing it (one subclass per <see cref="PeerFault"/>). The spec (issue 11): every
/// routed text command ends within its timeout or at the link's failure, whichever is first; once a
/// peer is known unreachable, requests for it fail at once (within about a second) while the node
/// retries in the background; the first request after the peer is back succeeds. foo's own buckets
/// are not affected at all.
/// </summary>
public abstract class PeerFaultTests
{
    /// <summary>"At once" for a request to a peer already known down: nothing needs the network to say so.</summary>
    private static readonly TimeSpan s_backWithin = TimeSpan.FromSeconds(1.5);
    private static readonly TimeSpan s_failFast = TimeSpan.FromSeconds(1);

    /// <summary>"A few seconds" for the same connection to work again after the fault ends.</summary>
    private static readonly TimeSpan s_recovery = TimeSpan.FromSeconds(5);

    private protected abstract PeerFault Fault { get; }

    [MultiHostFact]
    public async Task UnderLoad_EveryRequestIsAnsweredInTimeAndBarIsDeclaredDown_ThenTheSameConnectionWorksAgain()
    {
        await using var scenario = await PeerFaultScenario.StartAsync();
        var deadline = MultiHostCluster.RequestDeadline;
        await using var load = RequestLoop.Start(scenario.Client, PeerFaultScenario.MixedRequest, deadline);
        await Eventually.TrueAsync(() => load.Samples.Count >= 30, "the load to get going");

        var faultAt = await scenario.ApplyAsync(Fault);
        var declaredDown = await scenario.WaitForFooToDeclareBarDownAsync(faultAt);
        var downAt = Stopwatch.GetTimestamp();

        // Go on past the verdict: requests made while bar is known down must fail, not hang.
        await Eventually.TrueAsync(
            () => load.IsStopped || (load.Since(downAt).Count(PeerFaultScenario.IsForBar) >= 3 && load.Since(downAt).Count(s => !PeerFaultScenario.IsForBar(s)) >= 3),
            "three requests for bar's bucket and three for foo's after foo declared bar down",
            deadline * 4);
        var samples = await load.StopAsync();

        var firstError = samples.FirstOrDefault(s => s.Reply == "ERROR");
        Measurements.Report($"{Fault}: foo declared bar down", declaredDown);
        if (firstError is not null)
        {
            Measurements.Report($"{Fault}: first ERROR", Stopwatch.GetElapsedTime(faultAt, firstError.AnsweredAt));
        }

        Measurements.Report($"{Fault}: slowest reply", samples.Max(s => s.Took));

        var late = samples.Where(s => s.Reply is null || s.Took > deadline).ToList();
        Assert.True(late.Count == 0, $"Not answered within {deadline.TotalSeconds:0} s: {string.Join("; ", late)}");
        Assert.All(samples.Where(s => !PeerFaultScenario.IsForBar(s)), s => Assert.Equal("OK", s.Reply));
        Assert.All(samples.Where(s => s.AnsweredAt < faultAt), s => Assert.Equal("OK", s.Reply));
        Assert.All(samples.Where(s => s.SentAt >= downAt && PeerFaultScenario.IsForBar(s)), s => Assert.Equal("ERROR", s.Reply));
        Assert.True(
            declaredDown <= PeerFaultScenario.TickWindow,
            $"foo declared bar down {declaredDown.TotalSeconds:0.0} s after the fault, past the tick window ({PeerFaultScenario.TickWindow.TotalSeconds:0.0} s for a tick time of {MultiHostCluster.TickTime.TotalSeconds:0} s).");

        // The fault ends: the very connection that saw the errors reads bar's bucket again, unchanged.
        var backAt = await scenario.UndoAsync(Fault);
        var first = await RequestLoop.AskAsync(scenario.Client, "GET shopping milk", deadline);
        await Eventually.TrueAsync(
            async () => first.Value == "1" || (await RequestLoop.AskAsync(scenario.Client, "GET shopping milk", deadline)).Value == "1",
            s_recovery,
            "GET shopping milk on the same connection to answer 1 again");
        Measurements.Report($"{Fault}: first request after the fault ended: {first}; recovered after", Stopwatch.GetElapsedTime(backAt));
    }

    [MultiHostFact]
    public async Task OnceBarIsKnownDown_RequestsForItFailAtOnce_AndFoosOwnStillWork()
    {
        await using var scenario = await PeerFaultScenario.StartAsync();
        var faultAt = await scenario.ApplyAsync(Fault);
        await scenario.WaitForFooToDeclareBarDownAsync(faultAt);

        var samples = new List<Sample>();
        for (var i = 0; i < 6; i++)
        {
            samples.Add(await RequestLoop.AskAsync(scenario.Client, PeerFaultScenario.MixedRequest(i), MultiHostCluster.RequestDeadline));
        }

        var forBar = samples.Where(PeerFaultScenario.IsForBar).ToList();
        Measurements.Report($"{Fault}: slowest ERROR once bar is known down", forBar.Max(s => s.Took));
        Assert.All(samples.Where(s => !PeerFaultScenario.IsForBar(s)), s => Assert.Equal("OK", s.Reply));
        Assert.All(forBar, s => Assert.Equal("ERROR", s.Reply));
        var slow = forBar.Where(s => s.Took > s_failFast).ToList();
        Assert.True(slow.Count == 0, $"Once foo knows bar is down, a request for bar must fail within {s_failFast.TotalSeconds:0} s: {string.Join("; ", slow)}");
    }

    [MultiHostFact]
    public async Task WhenBarIsBack_ARequestSucceedsWithinASecond_AndNoneWaitsLonger()
    {
        await using var scenario = await PeerFaultScenario.StartAsync();
        var faultAt = await scenario.ApplyAsync(Fault);
        await scenario.WaitForFooToDeclareBarDownAsync(faultAt);
        var failed = await RequestLoop.AskAsync(scenario.Client, "GET shopping milk", MultiHostCluster.RequestDeadline);
        Assert.Equal("ERROR", failed.Reply);

        // Requests for a peer known to be down fail at once but for a probe every quarter second
        // (it waits half a second at most for a fresh attempt): one soon after bar is back goes through.
        var backAt = await scenario.UndoAsync(Fault);
        var replies = new List<Sample>();
        Sample last;
        do
        {
            last = await RequestLoop.AskAsync(scenario.Client, "GET shopping milk", MultiHostCluster.RequestDeadline);
            replies.Add(last);
        }
        while (last.Reply != "OK" && Stopwatch.GetElapsedTime(backAt) < s_backWithin);

        Measurements.Report($"{Fault}: first success after bar is back", Stopwatch.GetElapsedTime(backAt));
        Assert.True(last is { Reply: "OK", Value: "1" }, $"No request succeeded within {s_backWithin.TotalSeconds:0.#} s of bar being back: {string.Join("; ", replies)}. foo's output:\n{scenario.Foo.Output}");
        Assert.All(replies, r => Assert.True(r.Took < s_failFast, $"a request took {r.Took} after bar was back"));
    }
}

/// <summary>bar's host is cut off from foo's by the network (both nodes run on; nothing is answered).</summary>
[Trait("distributed", "true")]
[Trait("multihost", "true")]
[Collection(MultiHostSequence.Name)]
public sealed class PartitionTests : PeerFaultTests
{
    private protected override PeerFault Fault => PeerFault.Cut;
}

/// <summary>bar's process is frozen (SIGSTOP), then resumed (SIGCONT).</summary>
[Trait("distributed", "true")]
[Trait("multihost", "true")]
[Collection(MultiHostSequence.Name)]
public sealed class FrozenPeerTests : PeerFaultTests
{
    private protected override PeerFault Fault => PeerFault.Freeze;
}

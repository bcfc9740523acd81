using System.Diagnostics;
using System.Net;
using Kv.Tests.Support;

namespace Kv.Tests.Server;

/// <summary>
/// The TCP server over the router, between real node processes sharing a nodes.json (a–m on foo,
/// n–z on bar), as in the chapter's "server interaction" test, and what happens when bar dies.
/// </summary>
[Trait("distributed", "true")]
public sealed class RoutedServerTests : ClusterTestBase
{
    [DistributedFact]
    public async Task ServerInteraction_WithTheBucketOnTheOtherNode()
    {
        var nodes = Cluster.WriteNodesFile();
        var (_, _, foo) = await Cluster.StartServingNodeAsync("foo", extra: ["--nodes", nodes]);
        var (_, _, bar) = await Cluster.StartServingNodeAsync("bar", extra: ["--nodes", nodes]);
        await using var client = await TextClient.ConnectAsync(foo);

        Assert.Equal("NOT FOUND", await client.CommandAsync("GET shopping eggs"));
        Assert.Equal("OK", await client.CommandAsync("CREATE shopping"));
        Assert.Equal("OK", await client.CommandAsync("PUT shopping eggs 3"));
        Assert.Equal("3", await client.CommandAsync("GET shopping eggs"));
        Assert.Equal("OK", await client.ReadLineAsync());
        Assert.Equal("OK", await client.CommandAsync("DELETE shopping eggs"));
        Assert.Equal("", await client.CommandAsync("GET shopping eggs"));
        Assert.Equal("OK", await client.ReadLineAsync());

        // The bucket lives on bar: bar's own server sees it as a local one.
        await using var onBar = await TextClient.ConnectAsync(bar);
        Assert.Equal("OK", await onBar.CommandAsync("PUT shopping milk 1"));
        Assert.Equal("1", await client.CommandAsync("GET shopping milk"));
        Assert.Equal("OK", await client.ReadLineAsync());
    }

    [DistributedFact]
    public async Task PipelinedMixOfLocalAndRoutedBuckets_IsAnsweredInOrder()
    {
        var nodes = Cluster.WriteNodesFile();
        var (_, _, foo) = await Cluster.StartServingNodeAsync("foo", extra: ["--nodes", nodes]);
        await Cluster.StartServingNodeAsync("bar", extra: ["--nodes", nodes]);
        await using var client = await TextClient.ConnectAsync(foo);

        await client.SendAsync("CREATE apples\r\nCREATE zebras\r\nPUT apples a 1\r\nPUT zebras z 2\r\nGET zebras z\r\nGET apples a\r\nGET 0bucket k\r\nHELLO\r\n");

        await client.ExpectBytesAsync("OK\r\nOK\r\nOK\r\nOK\r\n2\r\nOK\r\n1\r\nOK\r\nERROR\r\nUNKNOWN COMMAND\r\n");
    }

    [DistributedFact]
    public async Task KillingBar_UnderLoad_LeavesAToMWorking_NToZAnswersError_AndRestartingBarHeals()
    {
        var nodes = Cluster.WriteNodesFile();
        var (_, _, foo) = await Cluster.StartServingNodeAsync("foo", extra: ["--nodes", nodes]);
        var (_, barProcess, _) = await Cluster.StartServingNodeAsync("bar", extra: ["--nodes", nodes]);
        await using (var setup = await TextClient.ConnectAsync(foo))
        {
            await setup.SendAsync("CREATE apples\r\nPUT apples k v\r\nCREATE zebras\r\nPUT zebras k v\r\n");
            await setup.ExpectBytesAsync("OK\r\nOK\r\nOK\r\nOK\r\n");
        }

        using var stop = new CancellationTokenSource();
        var killed = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var states = Enumerable.Range(0, 4).Select(_ => new LoadState()).ToArray();
        var loads = states.Select(state => LoadAsync(foo, state, killed.Task, stop.Token)).ToArray();
        await Eventually.TrueAsync(() => states.All(s => s.Rounds > 10), "the load to run");

        barProcess.KillHard();
        killed.SetResult(Stopwatch.GetTimestamp());
        await Eventually.TrueAsync(() => states.All(s => s.FirstZebraError is not null && s.ApplesAfterKill > 10), "every client to see n–z fail and a–m go on", TimeSpan.FromSeconds(5));
        await stop.CancelAsync();
        await Task.WhenAll(loads);

        foreach (var state in states)
        {
            Assert.Equal(0, state.AppleFailures);
            Assert.True(state.FirstZebraError < TimeSpan.FromSeconds(1), $"n–z must answer ERROR within a second, took {state.FirstZebraError}");
        }

        await Cluster.StartServingNodeAsync("bar", extra: ["--nodes", nodes]);
        await using var healed = await TextClient.ConnectAsync(foo);
        await Eventually.TrueAsync(async () => await healed.CommandAsync("CREATE zebras") == "OK", TimeSpan.FromSeconds(10), "n–z to work again once bar is back");
        Assert.Equal("", await healed.CommandAsync("GET zebras k"));
        Assert.Equal("OK", await healed.ReadLineAsync());
        Assert.Equal("OK", await healed.CommandAsync("PUT zebras k again"));
        Assert.Equal("again", await healed.CommandAsync("GET zebras k"));
    }

    /// <summary>What one load loop saw, updated as it goes.</summary>
    private sealed class LoadState
    {
        private long _rounds;
        private long _applesAfterKill;
        private long _appleFailures;

        public long Rounds => Interlocked.Read(ref _rounds);

        public long ApplesAfterKill => Interlocked.Read(ref _applesAfterKill);

        public long AppleFailures => Interlocked.Read(ref _appleFailures);

        public TimeSpan? FirstZebraError { get; set; }

        public void Round(bool appleOk, bool afterKill)
        {
            Interlocked.Increment(ref _rounds);
            Interlocked.Add(ref _appleFailures, appleOk ? 0 : 1);
            Interlocked.Add(ref _applesAfterKill, appleOk && afterKill ? 1 : 0);
        }
    }

    /// <summary>GETs on apples (foo's) and zebras (bar's) in turn until stopped; every reply is checked.</summary>
    private static async Task LoadAsync(IPEndPoint foo, LoadState state, Task<long> killed, CancellationToken stop)
    {
        await using var client = await TextClient.ConnectAsync(foo);
        while (!stop.IsCancellationRequested)
        {
            var apple = await client.CommandAsync("GET apples k");
            var appleOk = apple == "v" && await client.ReadLineAsync() == "OK";

            var zebra = await client.CommandAsync("GET zebras k");
            if (zebra == "v")
            {
                Assert.Equal("OK", await client.ReadLineAsync());
            }
            else if (zebra == "ERROR" && killed.IsCompleted && state.FirstZebraError is null)
            {
                state.FirstZebraError = Stopwatch.GetElapsedTime(await killed);
            }

            state.Round(appleOk, killed.IsCompleted);
        }
    }
}

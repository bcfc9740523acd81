using System.Buffers;
using System.Diagnostics;
using System.Text;
using Kv.Core.Application;
using Kv.Core.Buckets;
using Kv.Core.Routing;
using Kv.Distribution.Rpc;
using Kv.Tests.Support;

namespace Kv.Tests.Core;

/// <summary>
/// Concurrent clients' routed batches to one owner: while calls are in flight, the batches that
/// come wait and go together in one <c>KV.Router.ExecuteMany</c>, and each gets its own replies.
/// </summary>
public sealed class OwnerQueueTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ConcurrentBatches_ToOneOwner_ShareCalls_AndEachGetsItsOwnReplies()
    {
        await using var cluster = await KvTestCluster.StartAsync();
        var (foo, bar) = (cluster.Foo, cluster.Bar);
        await foo.Router.ExecuteAsync(BucketRequest.Create("zebras"), Ct); // the link is up

        var before = CallsServed(bar);
        var puts = ZebraBatches.Of(foo.Router, 64, i => (BucketOperation.Put, $"k{i}", $"v{i}"));
        await Task.WhenAll(puts.Select(batch => batch.ExecuteAsync()));
        var putCalls = CallsServed(bar) - before;

        var gets = ZebraBatches.Of(foo.Router, 64, i => (BucketOperation.Get, $"k{i}", string.Empty));
        await Task.WhenAll(gets.Select(batch => batch.ExecuteAsync()));

        for (var i = 0; i < 64; i++)
        {
            Assert.Null(puts[i][0].Failure);
            Assert.Null(gets[i][0].Failure);
            Assert.Equal($"v{i}", Encoding.UTF8.GetString(gets[i][0].Value!.Value.Span));
        }

        Assert.True(bar.Registry.TryLookup("zebras", out var zebras));
        Assert.Equal("v63", zebras.Get("k63"));
        Assert.InRange(putCalls, 1, 32); // 64 batches, at most Window alone: the rest wait and go together
    }

    [Fact]
    public async Task BatchesQueuedBehindAnOwnerThatDoesNotAnswer_AreAllAnsweredUnavailable_WithinTheTimeout()
    {
        var timeout = TimeSpan.FromSeconds(1);
        await using var cluster = await KvTestCluster.StartAsync(barRunsKv: false, timeout: timeout);
        var never = cluster.BarNeverAnswers(KvExports.ExecuteMany);

        var watch = Stopwatch.StartNew();
        var batches = ZebraBatches.Of(cluster.Foo.Router, 16, i => (BucketOperation.Get, $"k{i}", string.Empty));
        await Task.WhenAll(batches.Select(batch => batch.ExecuteAsync()));
        var took = watch.Elapsed;
        never.SetResult(null);

        // Two calls go at once, the other 14 batches wait behind them: each batch's deadline runs
        // from when it was queued, so all end within about one timeout, not one per call in turn.
        Assert.All(batches, batch => Assert.IsType<BucketUnavailableException>(batch[0].Failure));
        Assert.InRange(took, timeout, timeout * 1.8);
    }

    [Fact]
    public async Task AMalformedExecuteMany_RunsNoneOfItsOperations_AndFailsWithTheOwnersArgumentException()
    {
        await using var cluster = await KvTestCluster.StartAsync();
        var (foo, bar) = (cluster.Foo, cluster.Bar);
        await foo.Router.ExecuteAsync(BucketRequest.Create("zebras"), Ct);
        var packed = new ArrayBufferWriter<byte>();
        PackedBatch.WriteOperation(packed, BucketOperation.Put, "zebras"u8, "first"u8, "1"u8);
        PackedBatch.WriteOperation(packed, BucketOperation.Put, "zebras"u8, "second"u8, "2"u8);
        var truncated = packed.WrittenSpan[..^1].ToArray();

        var error = await Assert.ThrowsAsync<RpcException>(() => foo.Node.CallAsync(bar.Node.Name, KvExports.RouterModule, KvExports.ExecuteMany, [truncated, 1L], cancellationToken: Ct));

        Assert.Equal(RpcFailure.Exception, error.Failure);
        Assert.Equal(typeof(ArgumentException).FullName, error.RemoteType);
        Assert.True(bar.Registry.TryLookup("zebras", out var zebras));
        Assert.Null(zebras.Get("first")); // the well-formed first operation did not run either
    }

    [Fact]
    public async Task ALargeWaitingCall_GoesAsTwoCallsCutBetweenBatches_AndEachBatchStillRunsInOrder()
    {
        await using var cluster = await KvTestCluster.StartAsync();
        var (foo, bar) = (cluster.Foo, cluster.Bar);
        await foo.Router.ExecuteAsync(BucketRequest.Create("zebras"), Ct);
        var metrics = foo.Router.Metrics!;
        var callsBefore = metrics.Reading("kv.router.owner_calls");

        // Bar holds the window's two calls until let go, then runs them and the rest as it would ...
        var letGo = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.True(bar.Node.Functions.TryGet(KvExports.RouterModule, KvExports.ExecuteMany, out var executeMany));
        var calls = 0;
        bar.Node.Functions.Register(KvExports.RouterModule, KvExports.ExecuteMany, async (byte[] operations, long hops) =>
        {
            if (Interlocked.Increment(ref calls) <= OwnerQueue.Window)
            {
                await letGo.Task;
            }

            return await executeMany.InvokeAsync([operations, hops]);
        });
        var held = ZebraBatches.Of(foo.Router, OwnerQueue.Window, i => (BucketOperation.Put, $"held{i}", "x"));
        var heldDone = Task.WhenAll(held.Select(batch => batch.ExecuteAsync()));

        // ... while 20 batches of 8 operations wait behind them: a PUT and a GET of it, four times each.
        var waiting = Enumerable.Range(0, 20).Select(i =>
        {
            var batch = new RoutedBatch(foo.Router);
            for (var n = 0; n < 4; n++)
            {
                batch.Add(BucketOperation.Put, "zebras"u8, Encoding.UTF8.GetBytes($"k{i}"), Encoding.UTF8.GetBytes($"v{i}.{n}"));
                batch.Add(BucketOperation.Get, "zebras"u8, Encoding.UTF8.GetBytes($"k{i}"), default);
            }

            return batch;
        }).ToList();
        var waitingDone = Task.WhenAll(waiting.Select(batch => batch.ExecuteAsync()));
        Assert.True(20 * 8 >= OwnerQueue.SplitOperations);

        letGo.SetResult();
        await heldDone.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        await waitingDone.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        // The 160 waiting operations went as two calls, not one (one of them to bar's pool); every
        // GET saw the PUT before it.
        Assert.Equal(OwnerQueue.Window + 2, metrics.Reading("kv.router.owner_calls") - callsBefore);
        for (var i = 0; i < 20; i++)
        {
            for (var n = 0; n < 4; n++)
            {
                Assert.Null(waiting[i][2 * n].Failure);
                Assert.Equal($"v{i}.{n}", Encoding.UTF8.GetString(waiting[i][(2 * n) + 1].Value!.Value.Span));
            }
        }
    }

    private static double CallsServed(KvTestNode node) =>
        node.Node.Metrics.Read().Single(reading => reading.Instrument == "kv.dist.rpc.calls.served").Value;
}

using Kv.Core.Application;
using Kv.Core.Buckets;
using Kv.Tests.Support;

namespace Kv.Tests.Core;

/// <summary>
/// The router's instruments (<c>kv.router.*</c>) over real links: every call that carries bucket
/// operations to their owner is counted with its operations and its time, and the operations that
/// wait for a call are shown while they wait.
/// </summary>
public sealed class RouterMetricsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CallsToTheOwner_AreCounted_WithTheOperationsTheyCarry_AndTheirTime_AndLocalOperationsAreNot()
    {
        await using var cluster = await KvTestCluster.StartAsync();
        var (foo, bar) = (cluster.Foo, cluster.Bar);
        await foo.Router.ExecuteAsync(BucketRequest.Create("zebras"), Ct); // one call, one operation
        await foo.Router.ExecuteAsync(BucketRequest.Create("apples"), Ct); // foo's own bucket: no call

        var batches = ZebraBatches.Of(foo.Router, 64, i => (BucketOperation.Put, $"k{i}", $"v{i}"));
        await Task.WhenAll(batches.Select(batch => batch.ExecuteAsync()));
        var zebras = await foo.Router.LookupAsync("zebras", Ct); // not a bucket operation: no count
        await zebras!.PutAsync("k64", "v64", Ct); // the reference's call counts too

        var metrics = foo.Router.Metrics!;
        Assert.All(batches, batch => Assert.Null(batch[0].Failure));
        Assert.Equal(66, metrics.Reading("kv.router.owner_operations"));
        Assert.InRange(metrics.Reading("kv.router.owner_calls"), 3, 34); // 1 + 1 + the 64 batches, which share calls
        Assert.InRange(metrics.Reading("kv.router.owner_call_time"), 1e-6, 30);
        Assert.Equal(0, metrics.Reading("kv.router.waiting_operations", $"peer={bar.Node.Name}"));
        Assert.Equal(0, bar.Router.Metrics!.Reading("kv.router.owner_calls")); // bar ran them on its own buckets
    }

    [Fact]
    public async Task OperationsBehindCallsInFlight_AreShownWaiting_UntilTheyGo()
    {
        var timeout = TimeSpan.FromSeconds(1);
        await using var cluster = await KvTestCluster.StartAsync(barRunsKv: false, timeout: timeout);
        var never = cluster.BarNeverAnswers(KvExports.ExecuteMany);
        var metrics = cluster.Foo.Router.Metrics!;
        var peer = $"peer={cluster.BarName}";

        // Two batches of two operations go at once (the window); the other 14 wait, behind an owner that never answers.
        var batches = ZebraBatches.Of(cluster.Foo.Router, 16, i => (BucketOperation.Get, $"k{i}", string.Empty), operationsEach: 2);
        var all = Task.WhenAll(batches.Select(batch => batch.ExecuteAsync()));
        Assert.Equal(28, metrics.Reading("kv.router.waiting_operations", peer));

        await all; // the two calls time out, then the waiting one goes, with no time left
        never.SetResult(null);
        Assert.Equal(0, metrics.Reading("kv.router.waiting_operations", peer));
        Assert.Equal(3, metrics.Reading("kv.router.owner_calls"));
        Assert.Equal(32, metrics.Reading("kv.router.owner_operations"));
        Assert.InRange(metrics.Reading("kv.router.owner_call_time"), timeout.TotalSeconds * 1.9, timeout.TotalSeconds * 4);
    }
}

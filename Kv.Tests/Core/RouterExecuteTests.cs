using System.Text;
using Kv.Core.Application;
using Kv.Core.Buckets;
using Kv.Core.Routing;
using Kv.Distribution.Rpc;
using Kv.Tests.Support;

namespace Kv.Tests.Core;

/// <summary>
/// The router's one entry for bucket operations (<see cref="Router.ExecuteAsync(BucketRequest, CancellationToken)"/>):
/// the local path on this node's registry, one rpc to another node's, and every failure as a Kv.Core exception.
/// </summary>
public sealed class RouterExecuteTests
{
    private static readonly byte[] s_nonAscii = Encoding.UTF8.GetBytes("crème-brûlée-買い物-🍣");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task LocalBucket_CompletesAtOnce_AndGivesTheStoredBytes()
    {
        var registry = new BucketRegistry();
        var router = new Router(RoutingTable.Local, registry);

        Assert.Equal(BucketReply.Ok, await router.ExecuteAsync(BucketRequest.Create("shopping"), Ct));
        Assert.Equal(BucketReply.Ok, await router.ExecuteAsync(BucketRequest.Put("shopping", "milk", s_nonAscii), Ct));
        var get = router.ExecuteAsync(BucketRequest.Get("shopping", "milk"), Ct);

        Assert.True(get.IsCompletedSuccessfully, "a bucket of this node is served before ExecuteAsync returns");
        var reply = await get;
        Assert.Equal(BucketStatus.Ok, reply.Status);
        Assert.Equal(s_nonAscii, reply.Value);
        Assert.True(registry.TryLookup("shopping", out var bucket));
        Assert.Equal("crème-brûlée-買い物-🍣", bucket.Get("milk"));
    }

    [Fact]
    public async Task LocalBucket_MissingKey_IsOkWithoutValue_AndDeleteGivesTheValueItHad()
    {
        var registry = new BucketRegistry();
        var router = new Router(RoutingTable.Local, registry);
        registry.Create("shopping").Put("milk", "1");

        Assert.Equal(BucketReply.Ok, await router.ExecuteAsync(BucketRequest.Get("shopping", "eggs"), Ct));
        var deleted = await router.ExecuteAsync(BucketRequest.Delete("shopping", "milk"), Ct);
        Assert.Equal("1"u8.ToArray(), deleted.Value);
        Assert.Equal(BucketReply.Ok, await router.ExecuteAsync(BucketRequest.Delete("shopping", "milk"), Ct));
    }

    [Theory]
    [InlineData(BucketOperation.Get)]
    [InlineData(BucketOperation.Put)]
    [InlineData(BucketOperation.Delete)]
    public async Task LocalBucket_ThatDoesNotExist_IsNotFound(BucketOperation operation)
    {
        var registry = new BucketRegistry();
        var router = new Router(RoutingTable.Local, registry);

        var reply = await router.ExecuteAsync(new BucketRequest(operation, "nowhere", "k", [1]), Ct);

        Assert.Equal(BucketReply.NotFound, reply);
        Assert.Equal(0, registry.Count);
    }

    [Fact]
    public async Task LocalBucket_Stopped_IsNotFound()
    {
        var registry = new BucketRegistry();
        var router = new Router(RoutingTable.Local, registry);
        registry.Create("shopping").Stop();

        Assert.Equal(BucketReply.NotFound, await router.ExecuteAsync(BucketRequest.Get("shopping", "milk"), Ct));
    }

    [Fact]
    public async Task Utf8Words_TakeTheSamePath_AsTheTextProtocolUsesIt()
    {
        var registry = new BucketRegistry();
        var router = new Router(RoutingTable.Local, registry);

        Assert.Equal(BucketReply.Ok, await router.ExecuteAsync(BucketOperation.Create, "café"u8, default, default, Ct));
        Assert.Equal(BucketReply.Ok, await router.ExecuteAsync(BucketOperation.Put, "café"u8, "crème"u8, s_nonAscii, Ct));

        var reply = await router.ExecuteAsync(BucketOperation.Get, "café"u8, "crème"u8, default, Ct);

        Assert.Equal(s_nonAscii, reply.Value);
        Assert.True(registry.TryLookup("café", out _));
    }

    [Fact]
    public async Task BucketOnAnotherNode_GivesTheExactBytes_InOneRoute()
    {
        await using var cluster = await KvTestCluster.StartAsync();
        var (foo, bar) = (cluster.Foo, cluster.Bar);

        Assert.Equal(BucketReply.Ok, await foo.Router.ExecuteAsync(BucketRequest.Create("zebras"), Ct));
        Assert.Equal(BucketReply.Ok, await foo.Router.ExecuteAsync(BucketRequest.Put("zebras", "stripes", s_nonAscii), Ct));
        var reply = await foo.Router.ExecuteAsync(BucketOperation.Get, "zebras"u8, "stripes"u8, default, Ct);

        Assert.Equal(BucketStatus.Ok, reply.Status);
        Assert.Equal(s_nonAscii, reply.Value);
        Assert.False(foo.Registry.TryLookup("zebras", out _));
        Assert.True(bar.Registry.TryLookup("zebras", out var onBar));
        Assert.True(onBar.TryGetUtf8("stripes", out var stored));
        Assert.Equal(s_nonAscii, stored);
    }

    [Fact]
    public async Task BucketMissingOnTheOwner_IsNotFound()
    {
        await using var cluster = await KvTestCluster.StartAsync();

        Assert.Equal(BucketReply.NotFound, await cluster.Foo.Router.ExecuteAsync(BucketRequest.Get("zebras", "k"), Ct));
        Assert.Equal(BucketReply.NotFound, await cluster.Foo.Router.ExecuteAsync(BucketRequest.Put("zebras", "k", [1]), Ct));
        Assert.Equal(0, cluster.Bar.Registry.Count);
    }

    [Fact]
    public async Task NoTableEntry_IsARoutingException()
    {
        await using var cluster = await KvTestCluster.StartAsync();

        var error = await Assert.ThrowsAsync<RoutingException>(async () => await cluster.Foo.Router.ExecuteAsync(BucketRequest.Get("0bucket", "k"), Ct));

        Assert.Contains("could not find entry for \"0bucket\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DisagreeingTables_AreARoutingException_AtTheHopLimit()
    {
        await using var cluster = await KvTestCluster.StartAsync(disagree: true);

        var error = await Assert.ThrowsAsync<RoutingException>(async () => await cluster.Foo.Router.ExecuteAsync(BucketRequest.Get("zebras", "k"), Ct));

        Assert.Contains("routing tables disagree", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OwnerThatIsNotRunning_IsUnavailable_NamingTheNode_WithTheRuntimesFailureInside()
    {
        await using var cluster = await KvTestCluster.StartAsync(startBar: false);

        var error = await Assert.ThrowsAsync<BucketUnavailableException>(async () => await cluster.Foo.Router.ExecuteAsync(BucketRequest.Get("zebras", "k"), Ct));

        Assert.Equal("zebras", error.BucketName);
        Assert.Equal(cluster.BarName.ToString(), error.Node);
        Assert.Contains(cluster.BarName.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Equal(RpcFailure.NoConnection, Assert.IsType<RpcException>(error.InnerException).Failure);
    }

    [Fact]
    public async Task OwnerWithoutKv_IsUnavailable()
    {
        await using var cluster = await KvTestCluster.StartAsync(barRunsKv: false);

        var error = await Assert.ThrowsAsync<BucketUnavailableException>(async () => await cluster.Foo.Router.ExecuteAsync(BucketRequest.Create("zebras"), Ct));

        Assert.Equal(RpcFailure.Undefined, Assert.IsType<RpcException>(error.InnerException).Failure);
    }

    [Fact]
    public async Task OwnerThatDoesNotAnswerInTime_IsUnavailable()
    {
        await using var cluster = await KvTestCluster.StartAsync(barRunsKv: false, timeout: TimeSpan.FromMilliseconds(200));
        var never = cluster.BarNeverAnswers(KvExports.Execute);

        var error = await Assert.ThrowsAsync<BucketUnavailableException>(async () => await cluster.Foo.Router.ExecuteAsync(BucketRequest.Get("zebras", "k"), Ct));

        Assert.Equal(RpcFailure.Timeout, Assert.IsType<RpcException>(error.InnerException).Failure);
        never.SetResult(null);
    }

    [Fact]
    public async Task RemoteBucket_UsesTheBytesPath_AndAMissingBucketIsStopped()
    {
        await using var cluster = await KvTestCluster.StartAsync();
        var created = await cluster.Foo.Router.CreateAsync("zebras", Ct);

        await created.PutAsync("stripes", "crème-brûlée-買い物-🍣", Ct);

        Assert.IsType<RemoteBucket>(created);
        Assert.Equal("crème-brûlée-買い物-🍣", await created.GetAsync("stripes", Ct));
        Assert.Null(await created.GetAsync("spots", Ct));
        Assert.Equal("crème-brûlée-買い物-🍣", await created.DeleteAsync("stripes", Ct));
        Assert.True(cluster.Bar.Registry.TryLookup("zebras", out var onBar));
        onBar.Stop();
        await Assert.ThrowsAsync<BucketStoppedException>(async () => await created.GetAsync("stripes", Ct));
    }

    [Fact]
    public async Task LookupOfAnUnreachableOwner_IsUnavailable()
    {
        await using var cluster = await KvTestCluster.StartAsync(startBar: false);

        await Assert.ThrowsAsync<BucketUnavailableException>(() => cluster.Foo.Router.LookupAsync("zebras", Ct));
    }
}

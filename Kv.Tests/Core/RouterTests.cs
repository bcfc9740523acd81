using Kv.Core.Application;
using Kv.Core.Buckets;
using Kv.Core.Routing;
using Kv.Distribution;
using Kv.Distribution.Processes;
using Kv.Distribution.Rpc;
using Kv.Tests.Support;

namespace Kv.Tests.Core;

/// <summary>The router between two nodes of this process, each with its own registry and table (the chapter's tests).</summary>
public sealed class RouterTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record KvNode(Node Node, BucketRegistry Registry, Router Router);

    private static async Task<(TestNodes Nodes, KvNode Foo, KvNode Bar)> TwoKvNodesAsync(bool disagree = false)
    {
        var nodes = new TestNodes();
        var fooName = nodes.NameOf("foo");
        var barName = nodes.NameOf("bar");
        var table = new RoutingTable([new RoutingEntry((byte)'a', (byte)'m', fooName), new RoutingEntry((byte)'n', (byte)'z', barName)]);
        var barTable = disagree ? new RoutingTable([new RoutingEntry((byte)'a', (byte)'z', fooName)]) : table;
        return (nodes, await StartAsync(nodes, "foo", table), await StartAsync(nodes, "bar", barTable));
    }

    private static async Task<KvNode> StartAsync(TestNodes nodes, string name, RoutingTable table)
    {
        var node = await nodes.StartAsync(name);
        var registry = new BucketRegistry();
        var router = new Router(table, registry);
        await KvApplication.StartAsync(node, registry, router);
        return new KvNode(node, registry, router);
    }

    [Fact]
    public async Task RouteRequestsAcrossNodes()
    {
        var (nodes, foo, bar) = await TwoKvNodesAsync();
        await using var _ = nodes;

        Assert.Equal(foo.Node.Name.ToString(), await foo.Router.RouteAsync("hello", "Kernel", "Node", [], Ct));
        Assert.Equal(bar.Node.Name.ToString(), await foo.Router.RouteAsync("world", "Kernel", "Node", [], Ct));
        Assert.Equal(foo.Node.Name.ToString(), await bar.Router.RouteAsync("hello", "Kernel", "Node", [], Ct));
    }

    [Fact]
    public async Task RaisesOnUnknownEntries()
    {
        var (nodes, foo, _) = await TwoKvNodesAsync();
        await using var __ = nodes;

        var error = await Assert.ThrowsAsync<RoutingException>(() => foo.Router.RouteAsync("\0", "Kernel", "Node", [], Ct));

        Assert.Contains("could not find entry", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateAndLookup_ReturnBucketsUsableFromEitherNode()
    {
        var (nodes, foo, bar) = await TwoKvNodesAsync();
        await using var _ = nodes;

        var created = await foo.Router.CreateAsync("shopping", Ct);
        await created.PutAsync("milk", "1", Ct);

        Assert.IsType<RemoteBucket>(created);
        Assert.True(bar.Registry.TryLookup("shopping", out var onBar));
        Assert.Equal("1", onBar.Get("milk"));
        var local = await bar.Router.LookupAsync("shopping", Ct);
        Assert.IsType<Bucket>(local);
        Assert.Equal("1", await local!.GetAsync("milk", Ct));
        Assert.Null(await foo.Router.LookupAsync("nothing", Ct));
        Assert.Equal("1", await created.DeleteAsync("milk", Ct));
    }

    [Fact]
    public async Task DisagreeingTables_StopAtTheHopLimit()
    {
        var (nodes, foo, _) = await TwoKvNodesAsync(disagree: true);
        await using var __ = nodes;

        var error = await Assert.ThrowsAsync<RpcException>(() => foo.Router.RouteAsync("world", "Kernel", "Node", [], Ct));

        Assert.Equal(typeof(RoutingException).FullName, error.RemoteType);
        Assert.Contains("routing tables disagree", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ViaTasks_RoutesThroughTheOwnersRouterTasks_AsTheGuideDoes()
    {
        var (nodes, foo, bar) = await TwoKvNodesAsync();
        await using var _ = nodes;
        var viaTasks = new Router(foo.Router.Table, foo.Registry) { ViaTasks = true };
        viaTasks.Attach(foo.Node);

        Assert.Equal(bar.Node.Name.ToString(), await viaTasks.RouteAsync("world", "Kernel", "Node", [], Ct));
        var error = await Assert.ThrowsAsync<ExitException>(() => viaTasks.RouteAsync("world", "Test.Nothing", "Here", [], Ct));
        Assert.Contains("undefined", Exits.Describe(error.Reason), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RoutedBucketOperations_OfAMissingBucket_FailAsAStoppedBucket()
    {
        var (nodes, foo, _) = await TwoKvNodesAsync();
        await using var __ = nodes;

        var error = await Assert.ThrowsAsync<RpcException>(() => foo.Router.RouteAsync("zebras", KvExports.BucketModule, KvExports.Get, ["zebras", "k"], Ct));

        Assert.Equal(typeof(BucketStoppedException).FullName, error.RemoteType);
    }

    [Fact]
    public async Task WithoutANode_EveryBucketIsLocal()
    {
        var registry = new BucketRegistry();
        var router = new Router(new RoutingTable([new RoutingEntry(0, 255, Kv.Distribution.Nodes.NodeName.Parse("elsewhere@host"))]), registry);

        var bucket = await router.CreateAsync("anything", Ct);

        Assert.Same(bucket, await router.LookupAsync("anything", Ct));
        Assert.True(router.IsLocal((byte)'a'));
    }
}

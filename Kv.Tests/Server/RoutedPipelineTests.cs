using System.Text;
using Kv.Core.Application;
using Kv.Core.Buckets;
using Kv.Core.Routing;
using Kv.Distribution;
using Kv.Server.Protocol;
using Kv.Tests.Support;

namespace Kv.Tests.Server;

/// <summary>
/// A client's pipelined commands on another node's buckets travel together (issue "performance,
/// round 2"): one rpc per owner for what one read brings, at most <see cref="PipelinedReplies.MaxCommands"/>
/// at a time, run on the owner in the client's order, with every reply in the order of the commands
/// and each failure answered on its own line.
/// </summary>
public sealed class RoutedPipelineTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PipelinedCommandsOnAnotherNodesBucket_TravelAsOneCall_AndRunInTheClientsOrder()
    {
        await using var cluster = await FrontAndOwner.StartAsync();
        await using var session = InMemorySession.Start(cluster.FrontRouter);
        var commands = new StringBuilder("CREATE zebras\r\n");
        var replies = new StringBuilder("OK\r\n");
        for (var i = 0; i < 50; i++)
        {
            // Each GET reads what the PUT before it stored: the owner ran them in this order.
            commands.Append(Invariant($"PUT zebras k{i} v{i}\r\nGET zebras k{i}\r\n"));
            replies.Append(Invariant($"OK\r\nv{i}\r\nOK\r\n"));
        }

        await session.SendAsync(commands.ToString());

        await session.ExpectAsync(replies.ToString());
        Assert.Equal(1, cluster.CallsSent);
    }

    [Fact]
    public async Task MixedPipeline_OfLocalRoutedAndFailingCommands_AnswersEachInOrder()
    {
        await using var cluster = await FrontAndOwner.StartAsync();
        await using var session = InMemorySession.Start(cluster.FrontRouter);

        // apples is the front's own (a-m), zebras the owner's (n-z), 0bucket no one's.
        await session.SendAsync(
            "CREATE zebras\r\nCREATE apples\r\nPUT zebras k z1\r\nPUT apples k a1\r\nGET 0bucket k\r\nGET zebras k\r\nDELETE nothing k\r\nGET apples k\r\nGET zebras k\r\n");

        await session.ExpectAsync("OK\r\nOK\r\nOK\r\nOK\r\nERROR\r\nz1\r\nOK\r\nNOT FOUND\r\na1\r\nOK\r\nz1\r\nOK\r\n");
        Assert.Equal(1, cluster.CallsSent);
    }

    [Fact]
    public async Task LongPipeline_IsSentInCallsOfAtMostMaxCommands()
    {
        await using var cluster = await FrontAndOwner.StartAsync();
        await using var session = InMemorySession.Start(cluster.FrontRouter);
        const int count = 2 * PipelinedReplies.MaxCommands + 100;

        await session.SendAsync(string.Concat(Enumerable.Repeat("GET zebras k\r\n", count)));

        await session.ExpectAsync(string.Concat(Enumerable.Repeat("NOT FOUND\r\n", count)));
        Assert.Equal(3, cluster.CallsSent);
    }

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);

    /// <summary>
    /// Two nodes of this process running kv: the front (a-m) whose router the session uses, and the
    /// owner (n-z); counts the rpc calls the front has sent.
    /// </summary>
    private sealed class FrontAndOwner : IAsyncDisposable
    {
        private readonly TestNodes _nodes;
        private readonly Node _front;

        private FrontAndOwner(TestNodes nodes, Node front, Router frontRouter)
        {
            _nodes = nodes;
            _front = front;
            FrontRouter = frontRouter;
        }

        public Router FrontRouter { get; }

        public double CallsSent => _front.Metrics.Read().Where(reading => reading.Instrument == "kv.dist.rpc.calls.sent").Sum(reading => reading.Value);

        public static async Task<FrontAndOwner> StartAsync()
        {
            var nodes = new TestNodes();
            var table = new RoutingTable([new RoutingEntry((byte)'a', (byte)'m', nodes.NameOf("front")), new RoutingEntry((byte)'n', (byte)'z', nodes.NameOf("owner"))]);
            var (front, router) = await StartKvAsync(nodes, "front", table);
            await StartKvAsync(nodes, "owner", table);
            return new FrontAndOwner(nodes, front, router);
        }

        public ValueTask DisposeAsync() => _nodes.DisposeAsync();

        private static async Task<(Node Node, Router Router)> StartKvAsync(TestNodes nodes, string name, RoutingTable table)
        {
            var node = await nodes.StartAsync(name);
            var registry = new BucketRegistry();
            var router = new Router(table, registry);
            await KvApplication.StartAsync(node, registry, router);
            return (node, router);
        }
    }
}

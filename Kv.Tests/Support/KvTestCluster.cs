using Kv.Core.Application;
using Kv.Core.Buckets;
using Kv.Core.Routing;
using Kv.Distribution;
using Kv.Distribution.Nodes;

namespace Kv.Tests.Support;

/// <summary>A node of this process running the kv application: its node, registry and router (which counts its calls in <see cref="Router.Metrics"/>).</summary>
internal sealed record KvTestNode(Node Node, BucketRegistry Registry, Router Router);

/// <summary>
/// Two nodes of this process, foo (a–m) and bar (n–z), each with its own registry and router, as
/// the chapter's tests have them. Bar may be left out (its name stays in the table), run without
/// the kv application, or have a table that disagrees (a–z on foo).
/// </summary>
internal sealed class KvTestCluster : IAsyncDisposable
{
    private readonly TestNodes _nodes;

    private KvTestCluster(TestNodes nodes, KvTestNode foo, KvTestNode? bar)
    {
        _nodes = nodes;
        Foo = foo;
        BarOrNull = bar;
    }

    public KvTestNode Foo { get; }

    public KvTestNode Bar => BarOrNull ?? throw new InvalidOperationException("bar was not started");

    public KvTestNode? BarOrNull { get; }

    public NodeName BarName => _nodes.NameOf("bar");

    public static async Task<KvTestCluster> StartAsync(bool startBar = true, bool barRunsKv = true, bool disagree = false, TimeSpan? timeout = null)
    {
        var nodes = new TestNodes();
        var fooName = nodes.NameOf("foo");
        var barName = nodes.NameOf("bar");
        var table = new RoutingTable([new RoutingEntry((byte)'a', (byte)'m', fooName), new RoutingEntry((byte)'n', (byte)'z', barName)]);
        var barTable = disagree ? new RoutingTable([new RoutingEntry((byte)'a', (byte)'z', fooName)]) : table;
        var foo = await StartAsync(nodes, "foo", table, runsKv: true, timeout);
        var bar = startBar ? await StartAsync(nodes, "bar", barTable, barRunsKv, timeout) : null;
        return new KvTestCluster(nodes, foo, bar);
    }

    /// <summary>
    /// Makes bar's <c>KV.Router</c>.<paramref name="function"/> (<c>Execute</c> or <c>ExecuteMany</c>;
    /// bar started without the kv application) take calls and never answer them, until the source
    /// returned is completed.
    /// </summary>
    public TaskCompletionSource<object?> BarNeverAnswers(string function)
    {
        var never = new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously);
        Delegate silent = function switch
        {
            KvExports.Execute => (long operation, string bucket, string key, byte[]? value, long hops) => never.Task,
            KvExports.ExecuteMany => (byte[] operations, long hops) => never.Task,
            _ => throw new ArgumentOutOfRangeException(nameof(function), function, "not a bucket operation's function"),
        };
        Bar.Node.Functions.Register(KvExports.RouterModule, function, silent);
        return never;
    }

    public async ValueTask DisposeAsync()
    {
        await _nodes.DisposeAsync();
        Foo.Router.Metrics?.Dispose();
        BarOrNull?.Router.Metrics?.Dispose();
    }

    private static async Task<KvTestNode> StartAsync(TestNodes nodes, string name, RoutingTable table, bool runsKv, TimeSpan? timeout)
    {
        var node = await nodes.StartAsync(name);
        var registry = new BucketRegistry();
        var router = new Router(table, registry) { Timeout = timeout ?? TimeSpan.FromSeconds(5), Metrics = new RouterMetrics() };
        if (runsKv)
        {
            await KvApplication.StartAsync(node, registry, router);
        }

        return new KvTestNode(node, registry, router);
    }
}

// The README shows the lines between the markers verbatim (Kv.Tests' ReadmeSamplesTests checks it).
// <readme>
using Kv.Testing;
using Xunit;

namespace Kv.Samples.DistributedTests;

public sealed class RouterTests
{
    // @tag :distributed: runs when KV_TEST_NODES=1, else is reported skipped, saying so.
    [DistributedFact]
    public async Task RouteRequestsAcrossNodes()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = new NodeCluster();      // a private port mapper and cookie
        var nodesFile = cluster.WriteNodesFile();         // a-m on foo, n-z on bar
        var (bar, _) = await cluster.StartNodeAsync("bar", extra: ["--nodes", nodesFile]);  // a Kv.Server process
        var foo = await cluster.StartKvNodeAsync("foo", nodesFile);                         // a node in this process

        Assert.Equal(foo.Node.Name.ToString(), await foo.Router.RouteAsync("hello", "Kernel", "Node", [], ct));
        Assert.Equal(bar.ToString(), await foo.Router.RouteAsync("world", "Kernel", "Node", [], ct));
    }
}
// </readme>

using Kv.Distribution.Nodes;
using Kv.Distribution.Rpc;
using Kv.Tests.Support;

namespace Kv.Tests.Distribution;

/// <summary>Links between nodes of this process over real loopback sockets.</summary>
public sealed class NodeLinkTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Connect_LinksBothWays_AndRaisesNodeUp()
    {
        await using var nodes = new TestNodes();
        var foo = await nodes.StartAsync("foo");
        var bar = await nodes.StartAsync("bar");
        var up = new TaskCompletionSource<NodeName>();
        bar.NodeUp += (_, e) => up.TrySetResult(e.Node);

        Assert.True(await foo.ConnectAsync(bar.Name, Ct));

        Assert.Equal(foo.Name, await up.Task.WaitAsync(TimeSpan.FromSeconds(5), Ct));
        Assert.Equal([bar.Name], foo.ConnectedNodes);
        Assert.Equal([foo.Name], bar.ConnectedNodes);
    }

    [Fact]
    public async Task Rpc_AutoConnects_AndReturnsTheValue()
    {
        await using var nodes = new TestNodes();
        var foo = await nodes.StartAsync("foo");
        var bar = await nodes.StartAsync("bar");

        Assert.Equal(bar.Name.ToString(), await foo.CallAsync(bar.Name, "Kernel", "Node", [], cancellationToken: Ct));
        Assert.Equal([bar.Name], foo.ConnectedNodes);
    }

    [Fact]
    public async Task Ping_KnownNodeIsPong_UnknownIsPang()
    {
        await using var nodes = new TestNodes();
        var foo = await nodes.StartAsync("foo");
        var bar = await nodes.StartAsync("bar");

        Assert.Equal(PingResult.Pong, await foo.PingAsync(bar.Name, Ct));
        Assert.Equal(PingResult.Pang, await foo.PingAsync(nodes.NameOf("nobody"), Ct));
    }

    [Fact]
    public async Task Disconnect_TakesTheLinkDown_OnBothSides_AndNextUseReconnects()
    {
        await using var nodes = new TestNodes();
        var foo = await nodes.StartAsync("foo");
        var bar = await nodes.StartAsync("bar");
        await foo.ConnectAsync(bar.Name, Ct);
        var down = new TaskCompletionSource<NodeEventArgs>();
        bar.NodeDown += (_, e) => down.TrySetResult(e);

        Assert.True(foo.Disconnect(bar.Name));

        Assert.Equal(foo.Name, (await down.Task.WaitAsync(TimeSpan.FromSeconds(5), Ct)).Node);
        Assert.Empty(foo.ConnectedNodes);
        Assert.False(foo.Disconnect(bar.Name));
        Assert.Equal(bar.Name.ToString(), await foo.CallAsync(bar.Name, "Kernel", "Node", [], cancellationToken: Ct));
    }

    [Fact]
    public async Task SimultaneousConnects_ResolveToOneLink()
    {
        await using var nodes = new TestNodes();
        var foo = await nodes.StartAsync("foo");
        var bar = await nodes.StartAsync("bar");

        var results = await Task.WhenAll(
            Enumerable.Range(0, 8).Select(i => i % 2 == 0 ? foo.ConnectAsync(bar.Name, Ct) : bar.ConnectAsync(foo.Name, Ct)));

        Assert.All(results, Assert.True);
        await Eventually.TrueAsync(() => foo.ConnectedNodes.Count == 1 && bar.ConnectedNodes.Count == 1, "one link on each side");
        Assert.Equal(bar.Name.ToString(), await foo.CallAsync(bar.Name, "Kernel", "Node", [], cancellationToken: Ct));
        Assert.Equal(foo.Name.ToString(), await bar.CallAsync(foo.Name, "Kernel", "Node", [], cancellationToken: Ct));
    }

    [Fact]
    public async Task ThreeNodes_FormAFullMesh_FromTwoConnects()
    {
        await using var nodes = new TestNodes();
        var a = await nodes.StartAsync("a");
        var b = await nodes.StartAsync("b");
        var c = await nodes.StartAsync("c");

        await a.ConnectAsync(b.Name, Ct);
        await c.ConnectAsync(b.Name, Ct);

        await Eventually.TrueAsync(() => a.ConnectedNodes.Count == 2 && b.ConnectedNodes.Count == 2 && c.ConnectedNodes.Count == 2, "a full mesh of three");
        Assert.Contains(c.Name, a.ConnectedNodes);
    }

    [Fact]
    public async Task HiddenNode_StaysOutOfTheMesh_AndOfNodeLists()
    {
        await using var nodes = new TestNodes();
        var a = await nodes.StartAsync("a");
        var b = await nodes.StartAsync("b");
        var hidden = await nodes.StartAsync("h", hidden: true);
        await a.ConnectAsync(b.Name, Ct);

        await hidden.ConnectAsync(b.Name, Ct);

        Assert.Equal(b.Name.ToString(), await hidden.CallAsync(b.Name, "Kernel", "Node", [], cancellationToken: Ct));
        Assert.DoesNotContain(hidden.Name, b.ConnectedNodes);
        Assert.DoesNotContain(a.Name, hidden.ConnectedNodes);
        Assert.DoesNotContain(hidden.Name, a.ConnectedNodes);
    }

    [Fact]
    public async Task WrongCookie_IsRefused_AndLoggedOnBothSides()
    {
        await using var nodes = new TestNodes();
        var foo = await nodes.StartAsync("foo", cookie: "right");
        var bar = await nodes.StartAsync("bar", cookie: "wrong");

        Assert.False(await foo.ConnectAsync(bar.Name, Ct));

        var error = await Assert.ThrowsAsync<RpcException>(() => foo.CallAsync(bar.Name, "Kernel", "Node", [], cancellationToken: Ct));
        Assert.Equal(RpcFailure.NoConnection, error.Failure);
        Assert.Contains("BadCookie", error.Message, StringComparison.Ordinal);
        await nodes.Logs.WaitForAsync($"Handshake with {bar.Name} refused at RecvChallengeAck");
        await nodes.Logs.WaitForAsync("refused at RecvChallengeReply: Handshake failed at RecvChallengeReply: BadCookie");
        Assert.Empty(foo.ConnectedNodes);
        Assert.Empty(bar.ConnectedNodes);
    }

    // A silent peer declared down within the tick window, and one that only ticks: TickTimeoutTests.
    [Fact]
    public async Task IdleLinkBetweenTwoNodes_StaysUp_ForSeveralTickTimes()
    {
        await using var nodes = new TestNodes();
        var foo = await nodes.StartAsync("foo", tickTime: TimeSpan.FromMilliseconds(400));
        var bar = await nodes.StartAsync("bar", tickTime: TimeSpan.FromMilliseconds(400));
        await foo.ConnectAsync(bar.Name, Ct);

        // Idle, but ticking: the link stays up for several tick times.
        var stayedUp = DateTime.UtcNow + TimeSpan.FromMilliseconds(1200);
        await Eventually.TrueAsync(() => DateTime.UtcNow > stayedUp || foo.ConnectedNodes.Count == 0, "three tick times to pass");
        Assert.Equal([bar.Name], foo.ConnectedNodes);
    }

    [Fact]
    public async Task Node_Dispose_IsSeenByPeersAtOnce()
    {
        await using var nodes = new TestNodes();
        var foo = await nodes.StartAsync("foo");
        var bar = await nodes.StartAsync("bar");
        await foo.ConnectAsync(bar.Name, Ct);
        var down = new TaskCompletionSource<NodeEventArgs>();
        foo.NodeDown += (_, e) => down.TrySetResult(e);

        await bar.DisposeAsync();

        var seen = await down.Task.WaitAsync(TimeSpan.FromSeconds(2), Ct);
        Assert.Equal(bar.Name, seen.Node);
        Assert.False(bar.IsAlive);
        Assert.Equal(PingResult.Pang, await foo.PingAsync(bar.Name, Ct));
    }
}

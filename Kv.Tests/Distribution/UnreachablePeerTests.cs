using System.Diagnostics;
using System.Net;
using Kv.Distribution.Nodes;
using Kv.Distribution.Processes;
using Kv.Distribution.Rpc;
using Kv.Tests.Support;

namespace Kv.Tests.Distribution;

/// <summary>
/// A peer known to be unreachable (a link attempt failed slowly, or its link went silent) fails
/// requests within half a second and sends, links and monitors at once, while the node retries it in
/// the background; once it is back, requests go through again with nothing else done.
/// </summary>
public sealed class UnreachablePeerTests
{
    private static readonly TimeSpan s_handshakeTimeout = TimeSpan.FromSeconds(1.5);
    private static readonly TimeSpan s_atOnce = TimeSpan.FromMilliseconds(300);

    /// <summary>A request waits up to half a second for the node's retry (so the first one after the peer is back goes through), then fails.</summary>
    private static readonly TimeSpan s_requestFails = TimeSpan.FromMilliseconds(900);
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(5);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AfterASlowFailure_RequestsFailAtOnce_UntilThePeerIsBack_ThenGoThrough()
    {
        await using var nodes = new TestNodes();
        var bar = await nodes.StartAsync("bar");
        var blackHole = new BlackHoleDirectory(nodes.Directory);
        var foo = await nodes.StartAsync("foo", directory: blackHole, handshakeTimeout: s_handshakeTimeout);

        // The first call waits out the attempt: nothing answers where bar should be.
        var first = await TimedAsync(() => foo.CallAsync(bar.Name, "Kernel", "Node", [], cancellationToken: Ct));
        Assert.Equal(RpcFailure.NoConnection, first.Error.Failure);
        Assert.True(first.Took >= s_handshakeTimeout * 0.9, $"the first call failed after {first.Took}, before the attempt's timeout");

        // Later ones fail at once, and so do a monitor and a link of a process.
        var second = await TimedAsync(() => foo.CallAsync(bar.Name, "Kernel", "Node", [], cancellationToken: Ct));
        Assert.Equal(RpcFailure.NoConnection, second.Error.Failure);
        Assert.True(second.Took < s_requestFails, $"a request to a peer known to be unreachable took {second.Took}");
        Assert.Contains("retried in the background", second.Error.Message, StringComparison.Ordinal);
        var down = new TaskCompletionSource<DownMessage>();
        var started = Stopwatch.GetTimestamp();
        foo.Spawn(async context =>
        {
            context.Monitor(new Kv.Distribution.Terms.Pid(bar.Name, 1, bar.Creation));
            down.SetResult((DownMessage)(await context.ReceiveAsync(m => m is DownMessage, s_wait))!);
        });
        Assert.Equal(Exits.NoConnection, (await down.Task.WaitAsync(s_wait, Ct)).Reason);
        Assert.True(Stopwatch.GetElapsedTime(started) < s_atOnce, $"a monitor of a process there took {Stopwatch.GetElapsedTime(started)} to fire");

        // Bar is back: the node's own retries find it, and requests go through, with no connect by hand.
        blackHole.Open();
        await Eventually.TrueAsync(() => foo.ConnectedNodes.Contains(bar.Name), "the background retry to link foo to bar", TimeSpan.FromSeconds(5));
        Assert.Equal(bar.Name.ToString(), await foo.CallAsync(bar.Name, "Kernel", "Node", [], cancellationToken: Ct));
    }

    [Fact]
    public async Task AFastFailure_IsNotGated_SoANodeThatStartsIsReachedByTheNextRequest()
    {
        await using var nodes = new TestNodes();
        var foo = await nodes.StartAsync("foo", handshakeTimeout: s_handshakeTimeout);
        var barName = nodes.NameOf("bar");

        // Nothing is registered under bar: the attempt fails at once, and is not remembered.
        var missing = await Assert.ThrowsAsync<RpcException>(() => foo.CallAsync(barName, "Kernel", "Node", [], cancellationToken: Ct));
        Assert.DoesNotContain("retried in the background", missing.Message, StringComparison.Ordinal);

        var bar = await nodes.StartAsync("bar");
        Assert.Equal(bar.Name.ToString(), await foo.CallAsync(bar.Name, "Kernel", "Node", [], cancellationToken: Ct));
    }

    [Fact]
    public async Task ALinkThatWentSilent_GatesItsPeer_ButAnExplicitConnectStillTries()
    {
        await using var nodes = new TestNodes();
        var node = await nodes.StartAsync("target", tickTime: TimeSpan.FromSeconds(1));
        var down = new TaskCompletionSource<NodeEventArgs>();
        node.NodeDown += (_, e) => down.TrySetResult(e);

        // A peer that passes the handshake, then says nothing: no frame, no tick.
        var (silent, rogue) = await RawPeer.HandshakenAsync(nodes, node, Ct);
        using var _ = silent;
        Assert.Contains("nothing read", (await down.Task.WaitAsync(s_wait, Ct)).Reason, StringComparison.Ordinal);

        var gated = await TimedAsync(() => node.CallAsync(rogue, "Kernel", "Node", [], cancellationToken: Ct));
        Assert.True(gated.Took < s_requestFails, $"a request to a peer whose link went silent took {gated.Took}");
        Assert.Contains("retried in the background", gated.Error.Message, StringComparison.Ordinal);

        // Connect tries for real (and fails here: nothing is registered under rogue's name).
        Assert.False(await node.ConnectAsync(rogue, Ct));
    }

    private static async Task<(RpcException Error, TimeSpan Took)> TimedAsync(Func<Task<object?>> call)
    {
        var started = Stopwatch.GetTimestamp();
        var error = await Assert.ThrowsAsync<RpcException>(call).WaitAsync(s_wait, Ct);
        return (error, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>A directory that answers nothing (as a black-holed host's port mapper) until <see cref="Open"/>.</summary>
    private sealed class BlackHoleDirectory(INodeDirectory inner) : INodeDirectory
    {
        private volatile bool _open;

        public void Open() => _open = true;

        public ValueTask<IAsyncDisposable> RegisterAsync(NodeName node, int port, CancellationToken cancellationToken) =>
            inner.RegisterAsync(node, port, cancellationToken);

        public async ValueTask<IPEndPoint?> ResolveAsync(NodeName node, CancellationToken cancellationToken)
        {
            if (!_open)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            return await inner.ResolveAsync(node, cancellationToken);
        }
    }
}

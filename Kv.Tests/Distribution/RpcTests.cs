using System.Text;
using Kv.Distribution;
using Kv.Distribution.Rpc;
using Kv.Tests.Support;

namespace Kv.Tests.Distribution;

/// <summary>Remote calls between two nodes of this process.</summary>
public sealed class RpcTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(TestNodes Nodes, Node Foo, Node Bar)> TwoNodesAsync()
    {
        var nodes = new TestNodes();
        var foo = await nodes.StartAsync("foo");
        var bar = await nodes.StartAsync("bar");
        bar.Functions.RegisterModule(typeof(TestFunctions));
        return (nodes, foo, bar);
    }

    [Fact]
    public async Task Call_ConvertsArguments_AndReturnsTheValue()
    {
        var (nodes, foo, bar) = await TwoNodesAsync();
        await using var _ = nodes;

        Assert.Equal(42L, await foo.CallAsync(bar.Name, "Test.Functions", "Add", [40, 2], cancellationToken: Ct));
    }

    [Fact]
    public async Task CallInline_ContinuesOnTheLinksReadLoop_WhereCallContinuesOnThePool()
    {
        var (nodes, foo, bar) = await TwoNodesAsync();
        await using var _ = nodes;
        await foo.CallAsync(bar.Name, "Test.Functions", "Add", [1, 1], cancellationToken: Ct); // the link is up

        Assert.Equal(42L, await foo.CallInlineAsync(bar.Name, "Test.Functions", "Add", [40, 2], cancellationToken: Ct));
        var inline = Environment.StackTrace;
        Assert.Equal(42L, await foo.CallAsync(bar.Name, "Test.Functions", "Add", [40, 2], cancellationToken: Ct));
        var pooled = Environment.StackTrace;

        Assert.Contains("NodeConnection.ReadLoopAsync", inline, StringComparison.Ordinal);
        Assert.DoesNotContain("NodeConnection.ReadLoopAsync", pooled, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallInline_WritesItsRequestBeforeItReturns_InsteadOfOnThePool()
    {
        var (nodes, foo, bar) = await TwoNodesAsync();
        await using var _ = nodes;
        await foo.CallAsync(bar.Name, "Test.Functions", "Add", [1, 1], cancellationToken: Ct); // the link is up

        // A call whose write finds the link's last write still finishing (the pool thread that
        // made it, preempted after the bytes left) joins that write instead: a few tries, then.
        var writtenBeforeReturning = 0;
        for (var attempt = 0; attempt < 5 && writtenBeforeReturning == 0; attempt++)
        {
            var writes = foo.Metrics.Writes;
            var call = foo.CallInlineAsync(bar.Name, "Test.Functions", "Add", [40, 2], cancellationToken: Ct);
            writtenBeforeReturning = (int)(foo.Metrics.Writes - writes); // read at once: a pool thread's write could not have happened yet
            Assert.Equal(42L, await call);
        }

        Assert.Equal(1, writtenBeforeReturning);
    }

    [Fact]
    public async Task PooledValue_ArrivesAsItsBytes_AndGoesBackToThePoolOnceSent()
    {
        var (nodes, foo, bar) = await TwoNodesAsync();
        await using var _ = nodes;
        var text = $"pooled {Guid.NewGuid()}";

        var reply = await foo.CallAsync(bar.Name, "Test.Functions", "Pooled", [text], cancellationToken: Ct);

        Assert.Equal(Encoding.UTF8.GetBytes(text), Assert.IsType<byte[]>(reply));
        // Disposed (its array back in the pool) right after the reply's write, which the reply may overtake.
        await Eventually.TrueAsync(() => TestFunctions.PooledReplies[text].WrittenCount == 0, "bar to dispose the value it sent");
    }

    [Fact]
    public async Task Call_RoundTripsEveryKindOfTerm()
    {
        var (nodes, foo, bar) = await TwoNodesAsync();
        await using var _ = nodes;
        object?[] term = [null, true, -7L, 2.5, "text", new byte[] { 1, 2 }, new Kv.Distribution.Terms.Atom("ok"), new object?[] { 1L, "x" }];

        var echoed = (object?[])(await foo.CallAsync(bar.Name, "Test.Functions", "Echo", [term], cancellationToken: Ct))!;

        Assert.Equal(term.Length, echoed.Length);
        Assert.Null(echoed[0]);
        Assert.Equal(true, echoed[1]);
        Assert.Equal(-7L, echoed[2]);
        Assert.Equal(2.5, echoed[3]);
        Assert.Equal("text", echoed[4]);
        Assert.Equal(new byte[] { 1, 2 }, echoed[5]);
        Assert.Equal(new Kv.Distribution.Terms.Atom("ok"), echoed[6]);
        Assert.Equal(new object?[] { 1L, "x" }, echoed[7]);
    }

    [Fact]
    public async Task RemoteException_ComesBack_WithTypeMessageAndNode()
    {
        var (nodes, foo, bar) = await TwoNodesAsync();
        await using var _ = nodes;

        var error = await Assert.ThrowsAsync<RpcException>(() => foo.CallAsync(bar.Name, "Test.Functions", "Fail", ["boom"], cancellationToken: Ct));

        Assert.Equal(RpcFailure.Exception, error.Failure);
        Assert.Equal(typeof(InvalidOperationException).FullName, error.RemoteType);
        Assert.Equal(bar.Name.ToString(), error.Node);
        Assert.Contains("boom", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NotExportedFunction_IsUndefined()
    {
        var (nodes, foo, bar) = await TwoNodesAsync();
        await using var _ = nodes;

        var hidden = await Assert.ThrowsAsync<RpcException>(() => foo.CallAsync(bar.Name, "Test.Functions", "Hidden", [], cancellationToken: Ct));
        var unknown = await Assert.ThrowsAsync<RpcException>(() => foo.CallAsync(bar.Name, "System.IO.File", "Delete", ["/etc/passwd"], cancellationToken: Ct));

        Assert.Equal(RpcFailure.Undefined, hidden.Failure);
        Assert.Equal(RpcFailure.Undefined, unknown.Failure);
        Assert.Contains("is undefined", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongArguments_AreBadArg()
    {
        var (nodes, foo, bar) = await TwoNodesAsync();
        await using var _ = nodes;

        var count = await Assert.ThrowsAsync<RpcException>(() => foo.CallAsync(bar.Name, "Test.Functions", "Add", [1], cancellationToken: Ct));
        var type = await Assert.ThrowsAsync<RpcException>(() => foo.CallAsync(bar.Name, "Test.Functions", "Add", ["one", 2], cancellationToken: Ct));
        var overflow = await Assert.ThrowsAsync<RpcException>(() => foo.CallAsync(bar.Name, "Test.Functions", "Add", [1, long.MaxValue], cancellationToken: Ct));

        Assert.All([count, type, overflow], e => Assert.Equal(RpcFailure.BadArg, e.Failure));
    }

    [Fact]
    public async Task SlowFunction_TimesOut_AndTheLinkStaysUsable()
    {
        var (nodes, foo, bar) = await TwoNodesAsync();
        await using var _ = nodes;

        var error = await Assert.ThrowsAsync<RpcException>(() => foo.CallAsync(bar.Name, "Test.Functions", "Sleep", [2000], TimeSpan.FromMilliseconds(100), Ct));

        Assert.Equal(RpcFailure.Timeout, error.Failure);
        Assert.Equal(42L, await foo.CallAsync(bar.Name, "Test.Functions", "Add", [40, 2], cancellationToken: Ct));
    }

    [Fact]
    public async Task UnsendableArgument_FailsAtTheCaller_AndUnsendableResult_ComesBackAsAnError()
    {
        var (nodes, foo, bar) = await TwoNodesAsync();
        await using var _ = nodes;

        await Assert.ThrowsAsync<Kv.Distribution.Terms.TermException>(() => foo.CallAsync(bar.Name, "Test.Functions", "Echo", [new Version(1, 0)], cancellationToken: Ct));
        var error = await Assert.ThrowsAsync<RpcException>(() => foo.CallAsync(bar.Name, "Test.Functions", "Unsendable", [], cancellationToken: Ct));

        Assert.Equal(RpcFailure.Exception, error.Failure);
        Assert.Contains("cannot be sent", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PendingCalls_FailAtOnce_WhenTheLinkDrops()
    {
        var (nodes, foo, bar) = await TwoNodesAsync();
        await using var _ = nodes;
        await foo.ConnectAsync(bar.Name, Ct);

        var calls = Enumerable.Range(0, 100)
            .Select(_ => foo.CallAsync(bar.Name, "Test.Functions", "Sleep", [10_000], TimeSpan.FromSeconds(30), Ct))
            .ToArray();
        var started = DateTime.UtcNow;
        foo.Disconnect(bar.Name);

        foreach (var call in calls)
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => call);
            Assert.Equal(RpcFailure.NoConnection, error.Failure);
        }

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task CallToItself_RunsLocally()
    {
        var (nodes, foo, _) = await TwoNodesAsync();
        await using var __ = nodes;

        Assert.Equal(foo.Name.ToString(), await foo.CallAsync(foo.Name, "Kernel", "Node", [], cancellationToken: Ct));
        var undefined = await Assert.ThrowsAsync<RpcException>(() => foo.CallAsync(foo.Name, "Test.Functions", "Add", [1, 2], cancellationToken: Ct));
        Assert.Equal(RpcFailure.Undefined, undefined.Failure);
    }

    [Fact]
    public async Task ManyConcurrentCalls_AllGetTheirOwnReplies()
    {
        var (nodes, foo, bar) = await TwoNodesAsync();
        await using var _ = nodes;

        var results = await Task.WhenAll(Enumerable.Range(0, 2000)
            .Select(i => foo.CallAsync(bar.Name, "Test.Functions", "Add", [i, 1], cancellationToken: Ct)));

        Assert.Equal(Enumerable.Range(1, 2000).Select(i => (object?)(long)i), results);
    }

    [Fact]
    public async Task Call_CancelledByItsCaller_EndsAtOnce_AndTheLinkGoesOn()
    {
        var (nodes, foo, bar) = await TwoNodesAsync();
        await using var _ = nodes;
        await foo.ConnectAsync(bar.Name, Ct);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cancel.CancelAfter(TimeSpan.FromMilliseconds(200));
        var started = System.Diagnostics.Stopwatch.GetTimestamp();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => foo.CallAsync(bar.Name, "Test.Functions", "Sleep", [10_000], TimeSpan.FromSeconds(30), cancel.Token));

        Assert.InRange(System.Diagnostics.Stopwatch.GetElapsedTime(started), TimeSpan.FromMilliseconds(150), TimeSpan.FromSeconds(5));
        Assert.Equal(42L, await foo.CallAsync(bar.Name, "Test.Functions", "Add", [40, 2], cancellationToken: Ct));
    }
}

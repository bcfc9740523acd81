using System.Diagnostics.Metrics;
using Kv.Distribution;
using Kv.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Kv.Tests.Distribution;

/// <summary>The node's instruments, read by a listener that attaches while links are up.</summary>
public sealed class DistributionMetricsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Links_AListenerAttachedAfterALinkCameUp_ReadsTheLinksUp()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        using var metrics = new DistributionMetrics(factory);
        await using var nodes = new TestNodes();
        var foo = await nodes.StartAsync("foo", metrics: metrics);
        var bar = await nodes.StartAsync("bar");
        Assert.True(await foo.ConnectAsync(bar.Name, Ct));

        using var links = new LateMeterListener(factory, "kv.dist.links");
        using var events = new LateMeterListener(factory, "kv.dist.link.events");

        Assert.Equal(1, links.Read());
        Assert.Equal(1, events.Read());
        Assert.True(foo.Disconnect(bar.Name));
        await Eventually.TrueAsync(() => links.Read() == 0, "the late listener to read no link once foo dropped it");
        Assert.Equal(2, events.Read());
        var readings = foo.Metrics.Read();
        Assert.Equal(0, readings.Single(r => r.Instrument == "kv.dist.links").Value);
        Assert.Equal(1, readings.Single(r => r.Instrument == "kv.dist.link.events" && r.Tags == "event=up").Value);
        Assert.Equal(1, readings.Single(r => r.Instrument == "kv.dist.link.events" && r.Tags == "event=down").Value);
    }

    [Fact]
    public async Task Rpc_IsCountedOnBothSides_InBytesFramesAndCalls()
    {
        await using var nodes = new TestNodes();
        var foo = await nodes.StartAsync("foo");
        var bar = await nodes.StartAsync("bar");

        Assert.Equal(bar.Name.ToString(), await foo.CallAsync(bar.Name, "Kernel", "Node", [], cancellationToken: Ct));

        await Eventually.TrueAsync(() => Value(bar, "kv.dist.rpc.calls.served") == 1, "bar to count the call it served");
        Assert.Equal(1, Value(foo, "kv.dist.rpc.calls.sent"));
        Assert.True(Value(foo, "kv.dist.bytes.sent") > 0);
        Assert.True(Value(foo, "kv.dist.writes") > 0);
        Assert.True(Value(bar, "kv.dist.frames.received") > 0);
        Assert.True(Value(bar, "kv.dist.bytes.received") > 0);
    }

    private static double Value(Kv.Distribution.Node node, string instrument) =>
        node.Metrics.Read().Where(r => r.Instrument == instrument).Sum(r => r.Value);
}

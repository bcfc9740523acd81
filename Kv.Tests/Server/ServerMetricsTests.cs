using System.Diagnostics.Metrics;
using Kv.Core.Routing;
using Kv.Distribution;
using Kv.Server.Tcp;
using Kv.Server.Telemetry;
using Kv.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Kv.Tests.Server;

/// <summary>The text server's instruments, read by a listener that attaches while clients are connected.</summary>
public sealed class ServerMetricsTests
{
    [Fact]
    public async Task Connections_AListenerAttachedAfterClientsConnected_ReadsTheOpenConnections()
    {
        await using var server = await TestServer.StartAsync();
        var clients = new List<TextClient>();
        for (var i = 0; i < 3; i++)
        {
            var client = await server.ConnectAsync();
            clients.Add(client);
            Assert.Equal("OK", await client.CommandAsync($"CREATE bucket{i}"));
        }

        using var listener = new LateMeterListener(server.Services.GetRequiredService<IMeterFactory>(), "kv.server.connections");

        Assert.Equal(3, listener.Read());
        await clients[0].DisposeAsync();
        await Eventually.TrueAsync(() => listener.Read() == 2, "the late listener to read 2 open connections once one closed");
        Assert.Equal(2, server.Metric("kv.server.connections"));
        foreach (var client in clients.Skip(1))
        {
            await client.DisposeAsync();
        }

        await Eventually.TrueAsync(() => listener.Read() == 0, "the late listener to read 0 open connections once all closed");
    }

    [Fact]
    public async Task Commands_ReadByALateListener_AreTheTotalSinceTheStart_AsTheSnapshotSays()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await server.ConnectAsync();
        await client.SendAsync("CREATE shopping\r\nPUT shopping milk 1\r\nNOPE\r\n");
        await client.ExpectBytesAsync("OK\r\nOK\r\nUNKNOWN COMMAND\r\n");

        using var commands = new LateMeterListener(server.Services.GetRequiredService<IMeterFactory>(), "kv.server.commands");
        using var rejected = new LateMeterListener(server.Services.GetRequiredService<IMeterFactory>(), "kv.server.rejected_lines");

        Assert.Equal(3, commands.Read());
        Assert.Equal(1, rejected.Read());
        Assert.Equal(3, server.Metric("kv.server.commands"));
        Assert.Equal(1, server.Metric("kv.server.rejected_lines"));
    }

    [Fact]
    public void NodeMetrics_ReadsTheServersInstruments_ThenTheRouters_ThenTheNodes()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var distribution = new DistributionMetrics();
        using var router = new RouterMetrics();
        var server = new ServerMetrics(services.GetRequiredService<IMeterFactory>());
        server.Connected();
        server.Answered(5);

        var readings = new NodeMetrics(distribution, server, router).Read();

        Assert.Equal(1, readings.Single(r => r.Instrument == "kv.server.connections").Value);
        Assert.Equal(5, readings.Single(r => r.Instrument == "kv.server.commands").Value);
        Assert.Equal(0, readings.Single(r => r.Instrument == "kv.router.owner_calls").Value);
        Assert.Equal(0, readings.Single(r => r.Instrument == "kv.dist.links").Value);
        Assert.True(readings.ToList().FindLastIndex(r => r.Instrument.StartsWith("kv.server.", StringComparison.Ordinal)) < readings.ToList().FindIndex(r => r.Instrument.StartsWith("kv.router.", StringComparison.Ordinal)));
        Assert.True(readings.ToList().FindLastIndex(r => r.Instrument.StartsWith("kv.router.", StringComparison.Ordinal)) < readings.ToList().FindIndex(r => r.Instrument.StartsWith("kv.dist.", StringComparison.Ordinal)));
        Assert.Equal("kv.server.", readings[0].Instrument[..10]);
        Assert.StartsWith("kv.dist.", readings[^1].Instrument, StringComparison.Ordinal);
        Assert.Equal("kv.dist.errors{kind=handshake} 0", readings.Single(r => r.Instrument == "kv.dist.errors" && r.Tags == "kind=handshake").ToString());
    }
}

using System.Diagnostics;
using System.Diagnostics.Metrics;
using Kv.Distribution.Support;
using Kv.Server.Tcp;
using Kv.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Kv.Tests.Server;

/// <summary>Max clients and the idle timeout of the text server (Redis's <c>maxclients</c> and <c>timeout</c>), over real sockets.</summary>
public sealed class ClientLimitsTests
{
    [Fact]
    public async Task PastMaxClients_TheNextIsToldAndClosed_TheOthersWork_AndAFreedSlotIsServed()
    {
        await using var server = await TestServer.StartAsync(maxClients: 3);
        using var refusals = new CounterProbe(server, "kv.server.refused_connections");
        var clients = new List<TextClient>();
        for (var i = 0; i < 3; i++)
        {
            var client = await server.ConnectAsync();
            clients.Add(client);
            Assert.Equal("OK", await client.CommandAsync($"CREATE bucket{i}"));
        }

        await using (var fourth = await server.ConnectAsync())
        {
            Assert.Equal("ERROR max clients reached", await fourth.ReadLineAsync());
            await fourth.ExpectClosedAsync();
        }

        Assert.Equal(1, refusals.Total);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("OK", await clients[i].CommandAsync($"PUT bucket{i} milk {i}"));
        }

        await clients[0].DisposeAsync();
        await Eventually.TrueAsync(() => server.Clients == 2, "the server to see the first client leave");
        await using (var fifth = await server.ConnectAsync())
        {
            Assert.Equal("1", await fifth.CommandAsync("GET bucket1 milk"));
            Assert.Equal("OK", await fifth.ReadLineAsync());
        }

        Assert.Equal(1, refusals.Total);
        foreach (var client in clients.Skip(1))
        {
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task IdleClient_IsClosedAfterTheTimeout_WhileAnActiveOneStaysOpen()
    {
        await using var server = await TestServer.StartAsync(idleTimeoutSeconds: 1);
        using var timeouts = new CounterProbe(server, "kv.server.idle_timeouts");
        await using var active = await server.ConnectAsync();
        Assert.Equal("OK", await active.CommandAsync("CREATE shopping"));
        var started = Stopwatch.GetTimestamp();
        await using var idle = await server.ConnectAsync();

        var closed = idle.ExpectClosedAsync();
        while (!closed.IsCompleted)
        {
            await KeepActiveAsync(active);
        }

        await closed;
        Assert.InRange(Stopwatch.GetElapsedTime(started), TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(2.5));

        // The active client outlives another timeout and more.
        var after = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(after) < TimeSpan.FromSeconds(1.6))
        {
            await KeepActiveAsync(active);
        }

        Assert.Equal(1, timeouts.Total);
        Assert.Equal(1, server.Clients);
    }

    [Fact]
    public async Task WithoutATimeout_AnIdleClientStaysOpen()
    {
        await using var server = await TestServer.StartAsync();
        await using var idle = await server.ConnectAsync();
        Assert.Equal("OK", await idle.CommandAsync("CREATE shopping"));

        // Longer than the shortest timeout there is (1 s) and its sweep: the default is none.
        await Task.Delay(TimeSpan.FromSeconds(1.5), TestContext.Current.CancellationToken);

        Assert.Equal("OK", await idle.CommandAsync("PUT shopping milk 1"));
    }

    [Theory]
    [InlineData(null, 150, KvServerOptions.MaxClientsCap)]
    [InlineData(1024L, 150, 1024 - 150 - 128)]
    [InlineData(20000L, 150, KvServerOptions.MaxClientsCap)]
    [InlineData(256L, 150, KvServerOptions.MaxClientsFloor)]
    [InlineData(1048576L, 150, KvServerOptions.MaxClientsCap)]
    public void DefaultMaxClients_LeavesFileDescriptorsToTheNode(long? openFileLimit, int openNow, int expected)
    {
        Assert.Equal(expected, KvServerOptions.DefaultMaxClients(openFileLimit, openNow));
    }

    [Theory]
    [InlineData("Max open files            1024                 1048576              files     ", 1024L)]
    [InlineData("Max open files            unlimited            unlimited            files     ", null)]
    [InlineData("Max processes             96364                96364                processes ", null)]
    public void FileDescriptorLimit_IsTheSoftLimitRow(string line, long? expected)
    {
        Assert.Equal(expected, FileDescriptors.ParseLimit(line));
    }

    [Fact]
    public void FileDescriptors_OfThisProcess_AreReadOnLinux()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "/proc/self is Linux's.");
        Assert.True(FileDescriptors.Limit() is null or > 0);
        Assert.True(FileDescriptors.CountOpen() > 3);
    }

    /// <summary>One request every 200 ms, as a client that is not idle.</summary>
    private static async Task KeepActiveAsync(TextClient client)
    {
        await Task.Delay(TimeSpan.FromMilliseconds(200), TestContext.Current.CancellationToken);
        Assert.Equal("OK", await client.CommandAsync("PUT shopping milk 1"));
    }

    /// <summary>Sums what one counter of one test server's meters records.</summary>
    private sealed class CounterProbe : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _total;

        public CounterProbe(TestServer server, string name)
        {
            var factory = server.Services.GetRequiredService<IMeterFactory>();
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == name && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _total, value));
            _listener.Start();
        }

        public long Total => Interlocked.Read(ref _total);

        public void Dispose() => _listener.Dispose();
    }
}

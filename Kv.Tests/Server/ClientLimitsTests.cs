using System.Diagnostics;
using Kv.Distribution.Support;
using Kv.Server.Tcp;
using Kv.Tests.Support;

namespace Kv.Tests.Server;

/// <summary>Max clients and the idle timeout of the text server (Redis's <c>maxclients</c> and <c>timeout</c>), over real sockets.</summary>
public sealed class ClientLimitsTests
{
    [Fact]
    public async Task PastMaxClients_TheNextIsToldAndClosed_TheOthersWork_AndAFreedSlotIsServed()
    {
        await using var server = await TestServer.StartAsync(maxClients: 3);
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

        Assert.Equal(1, server.Metric("kv.server.refused_connections"));
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

        Assert.Equal(1, server.Metric("kv.server.refused_connections"));
        foreach (var client in clients.Skip(1))
        {
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task IdleClient_IsClosedAfterTheTimeout_WhileAnActiveOneStaysOpen()
    {
        await using var server = await TestServer.StartAsync(idleTimeoutSeconds: 1);
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

        Assert.Equal(1, server.Metric("kv.server.idle_timeouts"));
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
}

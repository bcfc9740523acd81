using System.Text;
using Kv.Tests.Support;

namespace Kv.Tests.Server;

/// <summary>The text server end to end, over real loopback sockets.</summary>
public sealed class KvServerTests
{
    [Fact]
    public async Task ServerInteraction_AsInTheGuide()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await server.ConnectAsync();

        Assert.Equal("NOT FOUND", await client.CommandAsync("GET shopping eggs"));
        Assert.Equal("OK", await client.CommandAsync("CREATE shopping"));
        Assert.Equal("OK", await client.CommandAsync("PUT shopping eggs 3"));
        Assert.Equal("3", await client.CommandAsync("GET shopping eggs"));
        Assert.Equal("OK", await client.ReadLineAsync());
        Assert.Equal("OK", await client.CommandAsync("DELETE shopping eggs"));
        Assert.Equal("", await client.CommandAsync("GET shopping eggs"));
        Assert.Equal("OK", await client.ReadLineAsync());
    }

    [Fact]
    public async Task ReadmeSession_RepliesExactBytes()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await server.ConnectAsync();

        await client.SendAsync("CREATE shopping\r\nPUT shopping milk 1\r\nGET shopping milk\r\n");

        await client.ExpectBytesAsync("OK\r\nOK\r\n1\r\nOK\r\n");
    }

    [Fact]
    public async Task BareNewlines_ExtraSpacesAndNonAscii_AreAccepted()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await server.ConnectAsync();

        await client.SendAsync("CREATE  café\n  PUT café\tcrème  brûlée \nGET café crème\n");

        await client.ExpectBytesAsync("OK\r\nOK\r\nbrûlée\r\nOK\r\n");
    }

    [Fact]
    public async Task UnknownCommands_AreAnswered_AndTheConnectionStaysOpen()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await server.ConnectAsync();

        Assert.Equal("UNKNOWN COMMAND", await client.CommandAsync("HELLO"));
        Assert.Equal("UNKNOWN COMMAND", await client.CommandAsync(""));
        Assert.Equal("UNKNOWN COMMAND", await client.CommandAsync("get shopping milk"));
        Assert.Equal("UNKNOWN COMMAND", await client.CommandAsync("PUT shopping milk"));
        Assert.Equal("OK", await client.CommandAsync("CREATE shopping"));
    }

    [Fact]
    public async Task OperationsOnAMissingBucket_AreNotFound()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await server.ConnectAsync();

        Assert.Equal("NOT FOUND", await client.CommandAsync("PUT nowhere k v"));
        Assert.Equal("NOT FOUND", await client.CommandAsync("DELETE nowhere k"));
        Assert.Equal("NOT FOUND", await client.CommandAsync("GET nowhere k"));
    }

    [Fact]
    public async Task BucketStoppedByTheLibrary_IsNotFoundOverTheWire()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await server.ConnectAsync();
        Assert.Equal("OK", await client.CommandAsync("CREATE shopping"));

        Assert.True(server.Registry.TryLookup("shopping", out var bucket));
        bucket.Stop();

        Assert.Equal("NOT FOUND", await client.CommandAsync("GET shopping milk"));
    }

    [Fact]
    public async Task HundredConcurrentClients_EachSeeTheirOwnWrites()
    {
        await using var server = await TestServer.StartAsync();

        await Task.WhenAll(Enumerable.Range(0, 100).Select(async id =>
        {
            await using var client = await server.ConnectAsync();
            Assert.Equal("OK", await client.CommandAsync($"CREATE bucket{id}"));
            for (var i = 0; i < 20; i++)
            {
                Assert.Equal("OK", await client.CommandAsync($"PUT bucket{id} key{i} value{id}-{i}"));
                Assert.Equal($"value{id}-{i}", await client.CommandAsync($"GET bucket{id} key{i}"));
                Assert.Equal("OK", await client.ReadLineAsync());
            }
        }));

        Assert.Equal(100, server.Registry.Count);
    }

    [Fact]
    public async Task ThousandPipelinedRequests_InOneWrite_AreAnsweredInOrder()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await server.ConnectAsync();
        var requests = new StringBuilder("CREATE pipe\r\n");
        for (var i = 0; i < 500; i++)
        {
            requests.Append($"PUT pipe k{i} v{i}\r\nGET pipe k{i}\r\n");
        }

        await client.SendAsync(requests.ToString());

        Assert.Equal("OK", await client.ReadLineAsync());
        for (var i = 0; i < 500; i++)
        {
            Assert.Equal("OK", await client.ReadLineAsync());
            Assert.Equal($"v{i}", await client.ReadLineAsync());
            Assert.Equal("OK", await client.ReadLineAsync());
        }
    }

    [Fact]
    public async Task OverlongLine_WithoutNewline_GetsError_AndIsClosed()
    {
        await using var server = await TestServer.StartAsync(maxLineLength: 1024);
        await using var client = await server.ConnectAsync();

        await client.SendAsync("CREATE shopping\r\nPUT shopping milk " + new string('x', 4096));

        await client.ExpectBytesAsync("OK\r\nERROR\r\n");
        await client.ExpectClosedAsync();
        Assert.True(server.Registry.TryLookup("shopping", out var bucket));
        Assert.Null(bucket.Get("milk"));
    }

    [Fact]
    public async Task OverlongLine_WithNewline_GetsError_AndOthersAreStillServed()
    {
        await using var server = await TestServer.StartAsync(maxLineLength: 64);
        await using var bystander = await server.ConnectAsync();
        await using var client = await server.ConnectAsync();

        await client.SendAsync("PUT b k " + new string('v', 100) + "\r\n");

        await client.ExpectBytesAsync("ERROR\r\n");
        await client.ExpectClosedAsync();
        Assert.Equal("OK", await bystander.CommandAsync("CREATE b"));
    }

    [Fact]
    public async Task BinaryGarbage_IsUnknown_AndTheConnectionKeepsWorking()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await server.ConnectAsync();
        var garbage = new byte[4096];
        new Random(42).NextBytes(garbage);
        var lines = garbage.Count(b => b == (byte)'\n');

        await client.SendAsync(garbage);
        await client.SendAsync("\nCREATE after\r\n");

        for (var i = 0; i <= lines; i++)
        {
            Assert.Equal("UNKNOWN COMMAND", await client.ReadLineAsync());
        }

        Assert.Equal("OK", await client.ReadLineAsync());
    }

    [Fact]
    public async Task ClientVanishingMidLine_ChangesNothing()
    {
        await using var server = await TestServer.StartAsync();
        await using var observer = await server.ConnectAsync();
        Assert.Equal("OK", await observer.CommandAsync("CREATE shopping"));

        var vanishing = await server.ConnectAsync();
        await vanishing.SendAsync("PUT shopping milk 1");
        await vanishing.DisposeAsync();
        var aborting = await server.ConnectAsync();
        await aborting.SendAsync("PUT shopping eggs 12");
        aborting.Abort();

        Assert.Equal("", await observer.CommandAsync("GET shopping milk"));
        Assert.Equal("OK", await observer.ReadLineAsync());
        Assert.Equal("", await observer.CommandAsync("GET shopping eggs"));
        Assert.Equal("OK", await observer.ReadLineAsync());
    }

    [Fact]
    public async Task ClientResettingWithRepliesUnread_DoesNotDisturbOthers()
    {
        await using var server = await TestServer.StartAsync();
        await using var observer = await server.ConnectAsync();
        var rude = await server.ConnectAsync();

        await rude.SendAsync(string.Concat(Enumerable.Repeat("GET none k\r\n", 2000)));
        rude.Abort();

        Assert.Equal("OK", await observer.CommandAsync("CREATE still-here"));
    }

    [Fact]
    public async Task Stop_ClosesOpenConnections()
    {
        var server = await TestServer.StartAsync();
        await using var client = await server.ConnectAsync();
        Assert.Equal("OK", await client.CommandAsync("CREATE shopping"));

        await server.StopAsync().WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        await client.ExpectClosedAsync();
        await server.DisposeAsync();
    }
}

using System.Text;
using Kv.Tests.Support;

namespace Kv.Tests.Server;

/// <summary>
/// The text protocol of one connection, served over in-memory pipes (no socket): what a client
/// sends, in whatever pieces, and exactly what it gets back.
/// </summary>
public sealed class ClientSessionTests
{
    /// <summary>The README's session with <c>nc</c> ("The protocol"): each request, then its reply lines.</summary>
    private static readonly (string Request, string[] Reply)[] s_readmeSession =
    [
        ("CREATE shopping", ["OK"]),
        ("PUT shopping milk 1", ["OK"]),
        ("GET shopping milk", ["1", "OK"]),
        ("GET shopping eggs", ["", "OK"]),
        ("DELETE shopping milk", ["OK"]),
        ("FETCH shopping", ["UNKNOWN COMMAND"]),
    ];

    [Fact]
    public async Task ReadmeSession_ReplayedLineByLine()
    {
        var transcript = string.Join('\n', s_readmeSession.SelectMany(step => step.Reply.Prepend(step.Request)));
        Assert.Contains("$ nc 127.0.0.1 4040\n" + transcript + "\n```", await ReadmeAsync(), StringComparison.Ordinal);
        await using var session = InMemorySession.Start();

        foreach (var (request, reply) in s_readmeSession)
        {
            await session.SendAsync(request + "\r\n");
            await session.ExpectAsync(string.Concat(reply.Select(line => line + "\r\n")));
        }
    }

    [Fact]
    public async Task PipelinedCommands_InOneWrite_AreAnsweredInOrder_InOneFlush()
    {
        await using var session = InMemorySession.Start();

        await session.SendAsync("CREATE a\r\nPUT a k 1\r\nGET a k\r\nPUT a k 2\r\nGET a k\r\nGET a x\r\nHELLO\r\nGET b k\r\nDELETE a k\r\nGET a k\r\n");

        await session.ExpectAsync("OK\r\nOK\r\n1\r\nOK\r\nOK\r\n2\r\nOK\r\n\r\nOK\r\nUNKNOWN COMMAND\r\nNOT FOUND\r\nOK\r\n\r\nOK\r\n");
        Assert.Equal(1, session.Flushes);
    }

    [Fact]
    public async Task ACommandSplitByteByByte_IsAnsweredOnce_WhenItsLineEnds()
    {
        await using var session = InMemorySession.Start(out var registry);
        await session.SendAsync("CREATE shopping\r\n");
        await session.ExpectAsync("OK\r\n");

        await session.SendByteByByteAsync("PUT shopping milk 1\r\nGET shopping milk\r\n");

        // Any reply to a piece of a line would come before these, and make them differ.
        await session.ExpectAsync("OK\r\n1\r\nOK\r\n");
        await session.SendAsync("GET shopping milk\r\n");
        await session.ExpectAsync("1\r\nOK\r\n");
        Assert.Equal(1, registry.Count);
    }

    [Fact]
    public async Task CrLfAndLf_BothEndALine_AndRepliesEndInCrLf()
    {
        await using var session = InMemorySession.Start(out var registry);

        await session.SendAsync("CREATE a\nPUT a k v\r\nGET a k\nPUT a j w\nGET a j\r\n");

        await session.ExpectAsync("OK\r\nOK\r\nv\r\nOK\r\nOK\r\nw\r\nOK\r\n");
        Assert.True(registry.TryLookup("a", out var bucket));
        Assert.Equal("v", bucket.Get("k"));
        Assert.Equal("w", bucket.Get("j"));
    }

    [Fact]
    public async Task AnOverlongLine_GetsError_AndTheConnectionIsClosed_WithoutEffect()
    {
        await using var session = InMemorySession.Start(out var registry, maxLineLength: 64);

        await session.SendAsync("CREATE a\r\nPUT a k " + new string('v', 100) + "\r\nPUT a j w\r\n");

        await session.ExpectAsync("OK\r\nERROR\r\n");
        await session.ExpectClosedAsync();
        Assert.True(registry.TryLookup("a", out var bucket));
        Assert.Equal(0, bucket.Count);
    }

    [Fact]
    public async Task AnOverlongLine_WithoutItsEnd_GetsError_AndTheConnectionIsClosed()
    {
        await using var session = InMemorySession.Start(maxLineLength: 64);

        await session.SendAsync("PUT a k " + new string('v', 100));

        await session.ExpectAsync("ERROR\r\n");
        await session.ExpectClosedAsync();
    }

    [Fact]
    public async Task UnknownCommands_AreAnswered_AndTheConnectionStaysOpen()
    {
        await using var session = InMemorySession.Start();

        await session.SendAsync("HELLO\r\n\r\nget a k\r\nPUT a k\r\nCREATE a b\r\n");
        await session.SendAsync([(byte)'P', (byte)'U', (byte)'T', (byte)' ', (byte)'a', (byte)' ', (byte)'k', (byte)' ', 0xFF, (byte)'\n']);
        await session.SendAsync("CREATE a\r\n");

        await session.ExpectAsync(string.Concat(Enumerable.Repeat("UNKNOWN COMMAND\r\n", 6)) + "OK\r\n");
    }

    [Fact]
    public async Task ATrailingPartialLine_AtTheEnd_IsDroppedWithoutEffect()
    {
        await using var session = InMemorySession.Start(out var registry);

        await session.SendAsync("CREATE a\r\nPUT a k v");
        await session.CloseAsync();

        await session.ExpectAsync("OK\r\n");
        await session.ExpectClosedAsync();
        Assert.True(registry.TryLookup("a", out var bucket));
        Assert.Equal(0, bucket.Count);
    }

    [Fact]
    public async Task NonAsciiValues_RoundTripByteForByte()
    {
        await using var session = InMemorySession.Start(out var registry);
        var value = Encoding.UTF8.GetBytes("crème-brûlée-買い物-🍣");

        await session.SendAsync([.. "CREATE café\r\nPUT café crème "u8, .. value, .. "\r\nGET café crème\r\n"u8]);

        await session.ExpectAsync("OK\r\nOK\r\n");
        Assert.Equal(value, await session.ReadAsync(value.Length));
        await session.ExpectAsync("\r\nOK\r\n");
        Assert.True(registry.TryLookup("café", out var bucket));
        Assert.True(bucket.TryGetUtf8("crème", out var stored));
        Assert.Equal(value, stored);
    }

    [Fact]
    public async Task CommandsOnAnotherNodesBucket_KeepTheirPlace_AmongLocalOnes()
    {
        await using var cluster = await KvTestCluster.StartAsync();
        await using var session = InMemorySession.Start(cluster.Foo.Router);

        await session.SendAsync("CREATE apples\r\nCREATE zebras\r\nPUT zebras z 2\r\nPUT apples a 1\r\nGET zebras z\r\nGET apples a\r\nGET 0bucket k\r\nHELLO\r\nGET nothing k\r\n");

        await session.ExpectAsync("OK\r\nOK\r\nOK\r\nOK\r\n2\r\nOK\r\n1\r\nOK\r\nERROR\r\nUNKNOWN COMMAND\r\nNOT FOUND\r\n");
        Assert.True(cluster.Bar.Registry.TryLookup("zebras", out _));
        Assert.True(cluster.Foo.Registry.TryLookup("apples", out _));
    }

    private static Task<string> ReadmeAsync() =>
        File.ReadAllTextAsync(Path.Combine(Repository.Root, "README.md"), TestContext.Current.CancellationToken);
}

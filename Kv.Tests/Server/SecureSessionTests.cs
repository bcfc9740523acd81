using System.Net;
using Kv.Core.Buckets;
using Kv.Core.Routing;
using Kv.Server.Tcp;
using Kv.Tests.Support;

namespace Kv.Tests.Server;

/// <summary>
/// Protected mode, <c>AUTH</c> and the request limits, on in-memory sessions. A client on another
/// host is a session given a non-loopback remote end point: the tests cannot connect from another
/// address without network namespaces, and the session decides from the end point alone.
/// </summary>
public sealed class SecureSessionTests
{
    private const string ProtectedModeLine =
        "ERROR protected mode: this server has no password and serves clients on its own host only; set --requirepass (or --protected-mode no, on a trusted network) to accept other hosts\r\n";

    private static readonly IPEndPoint s_otherHost = new(IPAddress.Parse("10.77.1.2"), 50_000);
    private static readonly IPEndPoint s_thisHost = new(IPAddress.Loopback, 50_000);

    [Fact]
    public async Task ProtectedMode_WithoutAPassword_RefusesAnotherHost_InOneLine_AndCloses()
    {
        var registry = new BucketRegistry();
        await using var session = InMemorySession.Start(
            new SessionSettings { Access = new ClientAccess(requirePass: null, protectedMode: true) },
            new Router(RoutingTable.Local, registry),
            s_otherHost);

        await session.ExpectAsync(ProtectedModeLine);
        await session.ExpectClosedAsync();
        Assert.Equal(0, registry.Count);
    }

    [Fact]
    public async Task ProtectedMode_ServesThisHost()
    {
        await using var session = InMemorySession.Start(new SessionSettings { Access = new ClientAccess(requirePass: null, protectedMode: true) }, remote: s_thisHost);

        await session.SendAsync("CREATE shopping\r\n");

        await session.ExpectAsync("OK\r\n");
    }

    [Fact]
    public async Task ProtectedModeOff_ServesAnotherHost()
    {
        await using var session = InMemorySession.Start(new SessionSettings { Access = new ClientAccess(requirePass: null, protectedMode: false) }, remote: s_otherHost);

        await session.SendAsync("CREATE shopping\r\n");

        await session.ExpectAsync("OK\r\n");
    }

    [Fact]
    public async Task WithAPassword_AnotherHost_IsServed_AfterAuth()
    {
        await using var session = InMemorySession.Start(new SessionSettings { Access = new ClientAccess("s3cret", protectedMode: true) }, remote: s_otherHost);

        await session.SendAsync("CREATE shopping\r\nAUTH s3cret\r\nCREATE shopping\r\n");

        await session.ExpectAsync("ERROR NOAUTH authentication required\r\nOK\r\nOK\r\n");
    }

    [Fact]
    public async Task BeforeAuth_EveryLineButAuth_IsNoAuth_WithoutEffect()
    {
        var registry = new BucketRegistry();
        await using var session = InMemorySession.Start(new SessionSettings { Access = new ClientAccess("s3cret", protectedMode: true) }, new Router(RoutingTable.Local, registry));

        await session.SendAsync("CREATE a\r\nPUT a k v\r\nGET a k\r\nDELETE a k\r\nHELLO\r\n\r\nAUTH\r\nAUTH s3cret extra\r\n");

        await session.ExpectAsync(string.Concat(Enumerable.Repeat("ERROR NOAUTH authentication required\r\n", 8)));
        Assert.Equal(0, registry.Count);
    }

    [Fact]
    public async Task AWrongPassword_IsInvalid_AndTheConnectionStays_StillUnauthenticated()
    {
        await using var session = InMemorySession.Start(new SessionSettings { Access = new ClientAccess("s3cret", protectedMode: true) });

        await session.SendAsync("AUTH s3cre\r\nAUTH s3cret!\r\nAUTH S3CRET\r\nCREATE a\r\n");
        await session.ExpectAsync("ERROR invalid password\r\nERROR invalid password\r\nERROR invalid password\r\nERROR NOAUTH authentication required\r\n");

        await session.SendAsync("AUTH s3cret\r\nCREATE a\r\nPUT a k v\r\nGET a k\r\n");
        await session.ExpectAsync("OK\r\nOK\r\nOK\r\nv\r\nOK\r\n");
    }

    [Fact]
    public async Task AfterAuth_AWrongAuth_IsInvalid_AndTheClientStaysAuthenticated()
    {
        await using var session = InMemorySession.Start(new SessionSettings { Access = new ClientAccess("s3cret", protectedMode: true) });

        await session.SendAsync("AUTH s3cret\r\nAUTH nope\r\nCREATE a\r\nFETCH a\r\n");

        await session.ExpectAsync("OK\r\nERROR invalid password\r\nOK\r\nUNKNOWN COMMAND\r\n");
    }

    [Fact]
    public async Task Auth_WithoutAPasswordConfigured_IsAnError()
    {
        await using var session = InMemorySession.Start();

        await session.SendAsync("AUTH s3cret\r\nCREATE a\r\n");

        await session.ExpectAsync("ERROR AUTH called without any password configured\r\nOK\r\n");
    }

    [Fact]
    public async Task AKeyOverTheMaximum_IsKeyTooLong_AndTheConnectionStays()
    {
        var registry = new BucketRegistry();
        await using var session = InMemorySession.Start(new SessionSettings { MaxKeyBytes = 4 }, new Router(RoutingTable.Local, registry));

        // "ключ" is 4 characters and 8 bytes: the limit is in bytes.
        await session.SendAsync("CREATE a\r\nPUT a abcd 1\r\nPUT a abcde 1\r\nGET a abcde\r\nDELETE a abcde\r\nPUT a ключ 1\r\nGET a abcd\r\n");

        await session.ExpectAsync("OK\r\nOK\r\nERROR key too long\r\nERROR key too long\r\nERROR key too long\r\nERROR key too long\r\n1\r\nOK\r\n");
        Assert.True(registry.TryLookup("a", out var bucket));
        Assert.Null(bucket.Get("abcde"));
    }

    [Fact]
    public async Task ABucketNameOverTheKeyMaximum_IsBucketNameTooLong_WithoutEffect()
    {
        var registry = new BucketRegistry();
        await using var session = InMemorySession.Start(new SessionSettings { MaxKeyBytes = 4 }, new Router(RoutingTable.Local, registry));

        await session.SendAsync("CREATE abcd\r\nCREATE abcde\r\nPUT abcde k 1\r\nGET abcd k\r\n");

        await session.ExpectAsync("OK\r\nERROR bucket name too long\r\nERROR bucket name too long\r\n\r\nOK\r\n");
        Assert.False(registry.TryLookup("abcde", out _));
    }

    [Fact]
    public async Task AValueOverTheMaximum_IsValueTooLarge_WithoutEffect()
    {
        await using var session = InMemorySession.Start(new SessionSettings { MaxValueBytes = 5 });

        await session.SendAsync("CREATE a\r\nPUT a k 12345\r\nPUT a k 123456\r\nGET a k\r\nPUT a k ééé\r\nGET a k\r\n");

        await session.ExpectAsync("OK\r\nOK\r\nERROR value too large\r\n12345\r\nOK\r\nERROR value too large\r\n12345\r\nOK\r\n");
    }

    [Fact]
    public async Task ACreatePastTheBucketLimit_IsTooManyBuckets_AndExistingBucketsStillWork()
    {
        var registry = new BucketRegistry(maxBuckets: 2);
        await using var session = InMemorySession.Start(new Router(RoutingTable.Local, registry));

        await session.SendAsync("CREATE a\r\nCREATE b\r\nCREATE c\r\nCREATE a\r\nPUT b k v\r\nGET c k\r\n");

        await session.ExpectAsync("OK\r\nOK\r\nERROR too many buckets\r\nOK\r\nOK\r\nNOT FOUND\r\n");
        Assert.Equal(2, registry.Count);
    }
}

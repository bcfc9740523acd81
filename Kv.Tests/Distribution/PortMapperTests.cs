using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Kv.Distribution.PortMapper;
using Kv.Tests.Support;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Kv.Tests.Distribution;

/// <summary>The port mapper over real loopback sockets: registration, lookup, failover, hostile input.</summary>
public sealed partial class PortMapperTests : IAsyncDisposable
{
    // The design asks for a takeover within about a second; the margin is for a loaded machine.
    private static readonly TimeSpan s_failoverDeadline = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(5);

    private readonly FakeLogCollector _logs = new();
    private readonly ILoggerFactory _log;
    private readonly List<IAsyncDisposable> _owned = [];

    public PortMapperTests() => _log = FakeLogging.CreateFactory(_logs);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Register_ThenLookup_ReturnsItsPort()
    {
        var options = Options(FreePort());

        await using var foo = await PortMapperClient.RegisterAsync("foo", 5001, options, _log, Ct);

        Assert.Equal(("foo", 5001), (foo.Name, foo.Port));
        Assert.Equal(5001, await PortMapperClient.LookupAsync("foo", options, Ct));
        Assert.Equal(5001, await PortMapperClient.LookupAsync(IPAddress.Loopback, "foo", options, Ct));
        Assert.Equal(5001, await PortMapperClient.LookupAsync("localhost", "foo", options, Ct));
    }

    [Fact]
    public async Task Lookup_UnknownName_IsNull()
    {
        var options = Options(FreePort());
        await using var foo = await PortMapperClient.RegisterAsync("foo", 5001, options, _log, Ct);

        Assert.Null(await PortMapperClient.LookupAsync("bar", options, Ct));
    }

    [Fact]
    public async Task Lookup_WhenNoPortMapperRuns_IsNull_AfterRetryingBriefly()
    {
        Assert.Null(await PortMapperClient.LookupAsync("foo", Options(FreePort()), Ct));
    }

    [Fact]
    public async Task Names_ListsEveryRegistration_ByName()
    {
        var options = Options(FreePort());
        await using var foo = await PortMapperClient.RegisterAsync("foo", 5001, options, _log, Ct);
        await using var bar = await PortMapperClient.RegisterAsync("bar", 5002, options, _log, Ct);

        Assert.Equal([("bar", 5002), ("foo", 5001)], await PortMapperClient.NamesAsync(options, Ct));
    }

    [Fact]
    public async Task FirstRegistration_HostsThePortMapper_LaterOnesUseIt()
    {
        var options = Options(FreePort());

        await using var first = await PortMapperClient.RegisterAsync("first", 5001, options, _log, Ct);
        await using var second = await PortMapperClient.RegisterAsync("second", 5002, options, _log, Ct);

        Assert.True(first.IsHostingServer);
        Assert.False(second.IsHostingServer);
    }

    [Fact]
    public async Task Register_NameHeldByALiveNode_IsRefused_AndSaysHowToFix()
    {
        var options = Options(FreePort());
        await using var foo = await PortMapperClient.RegisterAsync("foo", 5001, options, _log, Ct);

        var refused = await Assert.ThrowsAsync<PortMapperException>(() => PortMapperClient.RegisterAsync("foo", 5002, options, _log, Ct));

        Assert.Equal(PortMapperError.NameInUse, refused.Error);
        Assert.Contains("another name", refused.Message, StringComparison.Ordinal);
        Assert.Equal(5001, await PortMapperClient.LookupAsync("foo", options, Ct));
    }

    [Theory]
    [InlineData("", 5001, PortMapperError.BadName)]
    [InlineData("foo@host", 5001, PortMapperError.BadName)]
    [InlineData("foo", 0, PortMapperError.BadPort)]
    [InlineData("foo", 65536, PortMapperError.BadPort)]
    public async Task Register_InvalidNameOrPort_IsRefused(string name, int port, PortMapperError error)
    {
        var refused = await Assert.ThrowsAsync<PortMapperException>(() => PortMapperClient.RegisterAsync(name, port, Options(FreePort()), _log, Ct));

        Assert.Equal(error, refused.Error);
    }

    [Fact]
    public async Task RawRegister_BadNameOrPortZero_IsRefusedByTheServer_AndTheConnectionGoesOn()
    {
        var server = await StartServerAsync();
        using var connection = await PortMapperConnection.ConnectAsync(server.LocalEndPoint, Ct);

        Assert.Equal(RefusalReason.BadName, (await ExchangeAsync(connection, o => PortMapperProtocol.WriteRegister(o, "no spaces", 1))).Reason);
        Assert.Equal(RefusalReason.BadPort, (await ExchangeAsync(connection, o => PortMapperProtocol.WriteRegister(o, "foo", 0))).Reason);
        Assert.Equal(PortMapperTag.NotFound, (await ExchangeAsync(connection, o => PortMapperProtocol.WriteLookup(o, "foo"))).Tag);
    }

    [Fact]
    public async Task Dispose_TheNameVanishesPromptly_AndCanBeRegisteredAgain()
    {
        var options = Options(FreePort());
        await using var host = await PortMapperClient.RegisterAsync("host", 5001, options, _log, Ct);
        var foo = await PortMapperClient.RegisterAsync("foo", 5002, options, _log, Ct);

        await foo.DisposeAsync();

        await Eventually.TrueAsync(async () => await PortMapperClient.LookupAsync("foo", options, Ct) is null, s_failoverDeadline, "foo is unregistered");
        await using var again = await PortMapperClient.RegisterAsync("foo", 5003, options, _log, Ct);
        Assert.Equal(5003, await PortMapperClient.LookupAsync("foo", options, Ct));
        Assert.Equal(5001, await PortMapperClient.LookupAsync("host", options, Ct));
    }

    [Fact]
    public async Task ConnectionReset_RemovesTheRegistrationAtOnce()
    {
        var server = await StartServerAsync();
        var socket = await ConnectRawAsync(server);
        await SendAsync(socket, Encode(o => PortMapperProtocol.WriteRegister(o, "foo", 5001)));
        await _logs.WaitForAsync(e => e.Message.Contains("registered foo", StringComparison.Ordinal), "that foo registered");

        socket.LingerState = new LingerOption(true, 0);
        socket.Dispose();

        await _logs.WaitForAsync(e => e.Message.Contains("unregistered foo", StringComparison.Ordinal), "that foo unregistered");
        Assert.Null(server.Lookup("foo"));
    }

    [Fact]
    public async Task HostDisposed_OthersAreFindableAgain_AndANewNodeCanRegister()
    {
        var options = Options(FreePort());
        var host = await PortMapperClient.RegisterAsync("host", 5001, options, _log, Ct);
        await using var foo = await PortMapperClient.RegisterAsync("foo", 5002, options, _log, Ct);
        await using var bar = await PortMapperClient.RegisterAsync("bar", 5003, options, _log, Ct);

        await host.DisposeAsync();

        await Eventually.TrueAsync(
            async () => await PortMapperClient.LookupAsync("foo", options, Ct) == 5002 && await PortMapperClient.LookupAsync("bar", options, Ct) == 5003,
            s_failoverDeadline,
            "foo and bar are findable again");
        await using var baz = await PortMapperClient.RegisterAsync("baz", 5004, options, _log, Ct);
        Assert.False(baz.IsHostingServer);
        Assert.Equal([("bar", 5003), ("baz", 5004), ("foo", 5002)], await PortMapperClient.NamesAsync(options, Ct));
    }

    [Fact]
    public async Task HostDies_TwoRacersForTheHostRole_BothEndUpOnOnePortMapper_AndTheNextDeathToo()
    {
        var options = Options(FreePort());
        var host = await PortMapperClient.RegisterAsync("host", 5001, options, _log, Ct);
        var foo = await PortMapperClient.RegisterAsync("foo", 5002, options, _log, Ct);
        var bar = await PortMapperClient.RegisterAsync("bar", 5003, options, _log, Ct);
        _owned.Add(foo);
        _owned.Add(bar);

        await host.DisposeAsync();

        await Eventually.TrueAsync(
            async () => (await PortMapperClient.NamesAsync(options, Ct)).SequenceEqual([("bar", 5003), ("foo", 5002)]),
            s_failoverDeadline,
            "foo and bar are registered with one port mapper");
        Assert.True(foo.IsHostingServer ^ bar.IsHostingServer, "exactly one of the racers hosts the port mapper");

        var (newHost, survivor) = foo.IsHostingServer ? (foo, bar) : (bar, foo);
        await newHost.DisposeAsync();

        await Eventually.TrueAsync(
            async () => (await PortMapperClient.NamesAsync(options, Ct)).SequenceEqual([(survivor.Name, survivor.Port)]),
            s_failoverDeadline,
            $"{survivor.Name} is registered again, alone");
        Assert.True(survivor.IsHostingServer);
    }

    [Fact]
    public async Task ManyStartingThePortMapperOnOnePortAtOnce_ExactlyOneWins_TheOthersGetAddressInUse()
    {
        var options = Options(FreePort());
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var racers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            await go.Task;
            try
            {
                return PortMapperServer.Start(options, _log.CreateLogger("PortMapperServer"));
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                return null;
            }
        })).ToArray();

        go.SetResult();
        var winners = (await Task.WhenAll(racers)).OfType<PortMapperServer>().ToArray();
        _owned.AddRange(winners);

        Assert.Single(winners);
        Assert.Empty(await PortMapperClient.NamesAsync(options, Ct));
    }

    [Fact]
    public async Task Register_WhenThePortIsHeldByAStranger_FailsWithUnavailable_AndSaysHowToFix()
    {
        // A listener that never accepts: connections complete in its backlog, and nothing answers.
        using var stranger = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        stranger.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        stranger.Listen(16);
        var options = Options(((IPEndPoint)stranger.LocalEndPoint!).Port);
        options.RequestTimeout = TimeSpan.FromMilliseconds(200);

        var failed = await Assert.ThrowsAsync<PortMapperException>(() => PortMapperClient.RegisterAsync("foo", 5001, options, _log, Ct));

        Assert.Equal(PortMapperError.Unavailable, failed.Error);
        Assert.Contains(PortMapperOptions.PortVariable, failed.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, 4370)]
    [InlineData("", 4370)]
    [InlineData("5000", 5000)]
    [InlineData("65535", 65535)]
    public void Options_PortVariable_SetsThePort(string? value, int port)
    {
        Assert.Equal(port, PortMapperOptions.ParsePort(value));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("65536")]
    [InlineData("-1")]
    [InlineData("epmd")]
    public void Options_InvalidPortVariable_Throws_AndNamesTheVariable(string value)
    {
        var invalid = Assert.Throws<InvalidOperationException>(() => PortMapperOptions.ParsePort(value));

        Assert.Contains("KV_PORTMAPPER_PORT", invalid.Message, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            await owned.DisposeAsync();
        }

        _log.Dispose();
    }

    private async Task<PortMapperServer> StartServerAsync(TimeSpan? requestTimeout = null, IPAddress? bindAddress = null)
    {
        var options = Options(0);
        options.BindAddress = bindAddress ?? IPAddress.Loopback;
        options.RequestTimeout = requestTimeout ?? options.RequestTimeout;
        var server = PortMapperServer.Start(options, _log.CreateLogger("PortMapperServer"));
        _owned.Add(server);
        await _logs.WaitForAsync(e => e.Id.Id == 100, "that the server listens");
        return server;
    }

    private async Task<Socket> ConnectRawAsync(PortMapperServer server)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _owned.Add(new SocketOwner(socket));
        await socket.ConnectAsync(server.LocalEndPoint, Ct);
        return socket;
    }

    private static async Task SendAsync(Socket socket, byte[] bytes)
    {
        var sent = 0;
        while (sent < bytes.Length)
        {
            sent += await socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None, Ct);
        }
    }

    private static async Task<PortMapperMessage> ExchangeAsync(PortMapperConnection connection, Action<ArrayBufferWriter<byte>> write)
    {
        var request = new ArrayBufferWriter<byte>();
        write(request);
        await connection.SendAsync(request, Ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(s_deadline);
        var (status, message) = await connection.ReadAsync(timeout.Token);
        Assert.Equal(PortMapperReadStatus.Message, status);
        return message;
    }

    private static byte[] Encode(Action<ArrayBufferWriter<byte>> write)
    {
        var output = new ArrayBufferWriter<byte>();
        write(output);
        return output.WrittenSpan.ToArray();
    }

    private static PortMapperOptions Options(int port) => new() { Port = port, BindAddress = IPAddress.Loopback };

    /// <summary>A port that was free a moment ago: bound to port 0, read, and released.</summary>
    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private sealed class SocketOwner(Socket socket) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            socket.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

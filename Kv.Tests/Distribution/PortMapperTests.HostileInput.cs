using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;
using Kv.Distribution.PortMapper;
using Kv.Tests.Support;

namespace Kv.Tests.Distribution;

/// <summary>
/// Hostile and foreign input: each kind closes only its own connection, logged with its reason,
/// and the port mapper goes on serving; only loopback peers may register.
/// </summary>
public sealed partial class PortMapperTests
{
    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: kv\r\n\r\n", "length over the maximum")]
    [InlineData("\u0000\u0000", "layout")]
    [InlineData("\u0000\u0003\u0001\u00FF\u00FF", "layout")]
    [InlineData("\u0000\u0001\u0081", "not a request")]
    public async Task Garbage_ClosesOnlyThatConnection(string garbage, string reason)
    {
        await ExpectOnlyThatConnectionClosedAsync(Encoding.Latin1.GetBytes(garbage), reason);
    }

    [Fact]
    public async Task LengthOverTheMaximum_ClosesOnlyThatConnection_WithoutWaitingForThePayload()
    {
        await ExpectOnlyThatConnectionClosedAsync([0x04, 0x01, (byte)PortMapperTag.Lookup], "length over the maximum");
    }

    [Fact]
    public async Task UnknownTag_ClosesOnlyThatConnection()
    {
        await ExpectOnlyThatConnectionClosedAsync([0x00, 0x02, 0x7F, 0x00], "unknown tag");
    }

    [Fact]
    public async Task CloseInTheMiddleOfARequest_IsLogged_AndOthersAreServed()
    {
        var server = await StartServerAsync();
        await using var bystander = await PortMapperClient.RegisterAsync("bystander", 5001, Options(server.LocalEndPoint.Port), _log, Ct);
        var socket = await ConnectRawAsync(server);

        await SendAsync(socket, [0x00, 0x07, (byte)PortMapperTag.Register, 0x03, (byte)'f']);
        socket.Shutdown(SocketShutdown.Send);

        await _logs.WaitForAsync(e => e.Id.Id == 106 && e.Message.Contains("middle of a request", StringComparison.Ordinal), "about the close mid-request");
        await ExpectClosedAsync(socket);
        await ExpectServingAsync(server, bystander);
    }

    [Fact]
    public async Task SecondRegisterOnOneConnection_ClosesIt_AndEndsTheFirstRegistration()
    {
        var server = await StartServerAsync();
        var socket = await ConnectRawAsync(server);
        await SendAsync(socket, Encode(o => PortMapperProtocol.WriteRegister(o, "foo", 5001)));
        await SendAsync(socket, Encode(o => PortMapperProtocol.WriteRegister(o, "bar", 5002)));

        await _logs.WaitForAsync(e => e.Id.Id == 106 && e.Message.Contains("second Register", StringComparison.Ordinal), "about the second Register");
        await _logs.WaitForAsync(e => e.Message.Contains("unregistered foo", StringComparison.Ordinal), "that foo unregistered");
        Assert.Empty(server.Snapshot());
    }

    [Fact]
    public async Task StalledRequest_IsClosedAfterTheRequestTimeout()
    {
        var server = await StartServerAsync(requestTimeout: TimeSpan.FromMilliseconds(200));
        var socket = await ConnectRawAsync(server);

        await SendAsync(socket, [0x00, 0x07, (byte)PortMapperTag.Register]);

        await ExpectClosedAsync(socket);
        await _logs.WaitForAsync(e => e.Id.Id == 106 && e.Message.Contains("no whole request within 200 ms", StringComparison.Ordinal), "about the stalled request");
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.10.20.30", true)]
    [InlineData("::1", true)]
    [InlineData("::ffff:127.0.0.1", true)]
    [InlineData("10.0.0.1", false)]
    [InlineData("192.168.1.20", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("::ffff:10.0.0.1", false)]
    [InlineData("fe80::1", false)]
    [InlineData("2001:db8::1", false)]
    public void IsLoopbackPeer_AllowsOnlyLoopbackAddresses(string address, bool allowed)
    {
        Assert.Equal(allowed, PortMapperServer.IsLoopbackPeer(new IPEndPoint(IPAddress.Parse(address), 40000)));
    }

    [Fact]
    public void IsLoopbackPeer_RefusesAnUnknownPeer()
    {
        Assert.False(PortMapperServer.IsLoopbackPeer(null));
        Assert.False(PortMapperServer.IsLoopbackPeer(new DnsEndPoint("localhost", 40000)));
    }

    [Fact]
    public async Task RegisterFromANonLoopbackAddress_IsRefused_ButLookupIsAnswered()
    {
        var address = NonLoopbackAddress();
        var server = await StartServerAsync(bindAddress: IPAddress.Any);
        using var connection = await PortMapperConnection.ConnectAsync(new IPEndPoint(address, server.LocalEndPoint.Port), Ct);

        var refused = await ExchangeAsync(connection, o => PortMapperProtocol.WriteRegister(o, "foo", 5001));

        Assert.Equal((PortMapperTag.RegisterRefused, RefusalReason.NotLoopback), (refused.Tag, refused.Reason));
        await _logs.WaitForAsync(e => e.Id.Id == 105 && e.Message.Contains("NotLoopback", StringComparison.Ordinal), "about the refusal");
        Assert.Null(await PortMapperClient.LookupAsync(address, "foo", Options(server.LocalEndPoint.Port), Ct));
    }

    [Fact]
    public async Task NamesFromANonLoopbackAddress_IsRefused_ButAnsweredOnLoopback()
    {
        var address = NonLoopbackAddress();
        var server = await StartServerAsync(bindAddress: IPAddress.Any);
        await using var registered = await PortMapperClient.RegisterAsync("foo", 5001, Options(server.LocalEndPoint.Port), _log, Ct);
        using var remote = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await remote.ConnectAsync(new IPEndPoint(address, server.LocalEndPoint.Port), Ct);

        await SendAsync(remote, Encode(PortMapperProtocol.WriteNames));

        await ExpectClosedAsync(remote);
        await _logs.WaitForAsync(e => e.Id.Id == 106 && e.Message.Contains("Names is answered to loopback peers only", StringComparison.Ordinal), "about the refusal");
        Assert.Equal([("foo", 5001)], await PortMapperClient.NamesAsync(IPAddress.Loopback, Options(server.LocalEndPoint.Port), Ct));
    }

    private static IPAddress NonLoopbackAddress()
    {
        var address = NetworkInterface.GetAllNetworkInterfaces()
            .Where(nic => nic.OperationalStatus == OperationalStatus.Up)
            .SelectMany(nic => nic.GetIPProperties().UnicastAddresses)
            .Select(unicast => unicast.Address)
            .FirstOrDefault(ip => ip.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(ip));
        if (address is null)
        {
            Assert.Skip("This machine has no non-loopback IPv4 address to connect from.");
        }

        return address;
    }

    /// <summary>
    /// Sends <paramref name="bytes"/> on a connection of its own while a registration is held on
    /// another: that connection alone is closed, for <paramref name="reason"/>, and the port mapper
    /// goes on serving.
    /// </summary>
    private async Task ExpectOnlyThatConnectionClosedAsync(byte[] bytes, string reason)
    {
        var server = await StartServerAsync();
        await using var bystander = await PortMapperClient.RegisterAsync("bystander", 5001, Options(server.LocalEndPoint.Port), _log, Ct);
        var socket = await ConnectRawAsync(server);

        await SendAsync(socket, bytes);

        await ExpectClosedAsync(socket);
        await _logs.WaitForAsync(e => e.Id.Id == 106 && e.Message.Contains(reason, StringComparison.Ordinal), $"about '{reason}'");
        await ExpectServingAsync(server, bystander);
    }

    private static async Task ExpectServingAsync(PortMapperServer server, PortMapperRegistration bystander)
    {
        var options = Options(server.LocalEndPoint.Port);
        Assert.Equal(bystander.Port, await PortMapperClient.LookupAsync(bystander.Name, options, Ct));
        Assert.Equal([(bystander.Name, bystander.Port)], await PortMapperClient.NamesAsync(options, Ct));
    }

    /// <summary>Waits, within the deadline, for the peer to close (or reset) the connection.</summary>
    private static async Task ExpectClosedAsync(Socket socket)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(s_deadline);
        try
        {
            Assert.Equal(0, await socket.ReceiveAsync(new byte[16], SocketFlags.None, timeout.Token));
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            // Closed with our bytes unread: a reset is a close too.
        }
    }
}

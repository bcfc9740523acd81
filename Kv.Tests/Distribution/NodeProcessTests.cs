using System.Net;
using System.Net.Sockets;
using Kv.Distribution;
using Kv.Distribution.Nodes;
using Kv.Distribution.PortMapper;
using Kv.Distribution.Rpc;
using Kv.Tests.Support;

namespace Kv.Tests.Distribution;

/// <summary>
/// Nodes as separate OS processes of the console host (<c>--sname</c>), on a private port-mapper
/// port and cookie, driven by a node inside the test process.
/// </summary>
[Trait("distributed", "true")]
public sealed class NodeProcessTests : IAsyncLifetime
{
    private const string CookieValue = "process-test-cookie";
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..6];
    private readonly int _portMapperPort = FreePort();
    private readonly List<NodeProcess> _processes = [];
    private readonly LogRecorder _logs = new();
    private Node? _self;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Node Self => _self ?? throw new InvalidOperationException("Not started.");

    public async ValueTask InitializeAsync()
    {
        if (!DistributedEnvironment.NodesAllowed)
        {
            return;
        }

        var directory = new PortMapperDirectory(new PortMapperOptions { Port = _portMapperPort }, _logs);
        _self = await Node.StartAsync(
            new NodeOptions { Name = NameOf("tester"), Cookie = CookieValue, Directory = directory, ListenAddress = IPAddress.Loopback },
            _logs,
            cancellationToken: Ct);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        if (_self is not null)
        {
            await _self.DisposeAsync();
        }
    }

    [DistributedFact]
    public async Task TwoConsoleHosts_ConnectWithNoOtherSetup()
    {
        var foo = await StartNodeAsync("foo");
        var bar = await StartNodeAsync("bar");

        Assert.Equal("pong", await Self.CallAsync(foo, "Net", "Ping", [bar.ToString()], cancellationToken: Ct));

        var nodesOfFoo = (object?[])(await Self.CallAsync(foo, "Kernel", "Nodes", [], cancellationToken: Ct))!;
        Assert.Contains(bar.ToString(), nodesOfFoo);
        Assert.Equal(bar.ToString(), await Self.CallAsync(bar, "Kernel", "Node", [], cancellationToken: Ct));
    }

    [DistributedFact]
    public async Task Rpc_AcrossProcesses_ValueExceptionUndefinedAndTimeout()
    {
        var bar = await StartNodeAsync("bar");

        Assert.Equal(bar.ToString(), await Self.CallAsync(bar, "Kernel", "Node", [], cancellationToken: Ct));
        var thrown = await Assert.ThrowsAsync<RpcException>(() => Self.CallAsync(bar, "Timer", "Sleep", [-5], cancellationToken: Ct));
        Assert.Equal(RpcFailure.Exception, thrown.Failure);
        Assert.Equal(typeof(ArgumentOutOfRangeException).FullName, thrown.RemoteType);
        var undefined = await Assert.ThrowsAsync<RpcException>(() => Self.CallAsync(bar, "Hello", "World", [], cancellationToken: Ct));
        Assert.Equal(RpcFailure.Undefined, undefined.Failure);
        var timeout = await Assert.ThrowsAsync<RpcException>(() => Self.CallAsync(bar, "Timer", "Sleep", [5000], TimeSpan.FromMilliseconds(200), Ct));
        Assert.Equal(RpcFailure.Timeout, timeout.Failure);
    }

    [DistributedFact]
    public async Task KillDashNine_WithHundredPendingCalls_FailsThemAllAtOnce()
    {
        var bar = await StartNodeAsync("bar");
        Assert.Equal(PingResult.Pong, await Self.PingAsync(bar, Ct));
        var calls = Enumerable.Range(0, 100)
            .Select(_ => Self.CallAsync(bar, "Timer", "Sleep", [30_000], TimeSpan.FromSeconds(30), Ct))
            .ToArray();

        var killed = DateTime.UtcNow;
        _processes.Single().KillHard();

        foreach (var call in calls)
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => call);
            Assert.Equal(RpcFailure.NoConnection, error.Failure);
        }

        Assert.True(DateTime.UtcNow - killed < TimeSpan.FromSeconds(1), "pending calls must fail well within a second");
    }

    [DistributedFact]
    public async Task RestartedPeer_HasANewCreation_AndIsReachableAgain()
    {
        var bar = await StartNodeAsync("bar");
        var before = await Self.CallAsync(bar, "Kernel", "Creation", [], cancellationToken: Ct);
        _processes.Single().KillHard();
        await Eventually.TrueAsync(() => !Self.ConnectedNodes.Contains(bar), "the link to the killed node to go down");

        await StartNodeAsync("bar");

        var after = await Self.CallAsync(bar, "Kernel", "Creation", [], cancellationToken: Ct);
        Assert.NotEqual(before, after);
    }

    [DistributedFact]
    public async Task WrongCookie_IsRefused_AndLoggedOnBothSides()
    {
        var bar = await StartNodeAsync("bar", cookie: "another-cookie");

        Assert.Equal(PingResult.Pang, await Self.PingAsync(bar, Ct));

        await _logs.WaitForAsync($"Handshake with {bar} refused at RecvChallengeAck");
        await _processes.Single().WaitForLineAsync(new System.Text.RegularExpressions.Regex("refused at RecvChallengeReply.*BadCookie"));
    }

    private NodeName NameOf(string name) => NodeName.Parse($"{name}-{_suffix}");

    private async Task<NodeName> StartNodeAsync(string name, string cookie = CookieValue)
    {
        var node = NameOf(name);
        var process = NodeProcess.Start(
            new Dictionary<string, string> { [PortMapperOptions.PortVariable] = _portMapperPort.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            "--sname", node.Name, "--cookie", cookie, "--port", "0", "--bind", "127.0.0.1");
        _processes.Add(process);
        await process.WaitForListeningPortAsync();
        return node;
    }

    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}

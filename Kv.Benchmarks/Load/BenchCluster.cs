using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Kv.Distribution;
using Kv.Distribution.Nodes;
using Kv.Distribution.PortMapper;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kv.Benchmarks.Load;

/// <summary>
/// Node processes for a distributed load, on a private port mapper, cookie and nodes.json that
/// puts every bucket on the owner node: the <see cref="Owner"/>, optionally a <see cref="Front"/>
/// node that clients talk to (so that its buckets are all routed), and a node in this process.
/// </summary>
internal sealed class BenchCluster : IAsyncDisposable
{
    private static readonly TimeSpan s_startDeadline = TimeSpan.FromSeconds(30);

    private readonly string _nodesFile;
    private Node? _self;

    private BenchCluster(string tag, int portMapperPort, string nodesFile, ServerProcess owner, ServerProcess? front)
    {
        Tag = tag;
        PortMapperPort = portMapperPort;
        _nodesFile = nodesFile;
        Owner = owner;
        Front = front;
        OwnerName = NodeName.Parse($"kvbench-owner-{tag}");
    }

    public string Tag { get; }

    public int PortMapperPort { get; }

    public string Cookie => "bench-" + Tag;

    public NodeName OwnerName { get; }

    public ServerProcess Owner { get; }

    public ServerProcess? Front { get; }

    public static async Task<BenchCluster> StartAsync(bool withFront, CancellationToken cancellationToken)
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var port = FreePort();
        var owner = $"kvbench-owner-{tag}";
        var nodesFile = Path.Combine(Path.GetTempPath(), $"kvbench-nodes-{tag}.json");
        await File.WriteAllTextAsync(nodesFile, $$"""{ "routing": [ { "first": 0, "last": 255, "node": "{{owner}}" } ] }""", cancellationToken);
        var environment = new Dictionary<string, string> { [PortMapperOptions.PortVariable] = port.ToString(CultureInfo.InvariantCulture) };
        string[] common = ["--cookie", "bench-" + tag, "--nodes", nodesFile];
        var ownerProcess = await ServerProcess.StartAsync(s_startDeadline, cancellationToken, ["--sname", owner, .. common], environment);
        var front = withFront
            ? await ServerProcess.StartAsync(s_startDeadline, cancellationToken, ["--sname", $"kvbench-front-{tag}", .. common], environment)
            : null;
        return new BenchCluster(tag, port, nodesFile, ownerProcess, front);
    }

    /// <summary>A node in this process, on the cluster's port mapper and cookie.</summary>
    public async Task<Node> StartSelfAsync(CancellationToken cancellationToken)
    {
        var directory = new PortMapperDirectory(new PortMapperOptions { Port = PortMapperPort }, NullLoggerFactory.Instance);
        _self = await Node.StartAsync(
            new NodeOptions { Name = NodeName.Parse($"kvbench-client-{Tag}"), Cookie = Cookie, Directory = directory, ListenAddress = IPAddress.Loopback },
            cancellationToken: cancellationToken);
        return _self;
    }

    public async ValueTask DisposeAsync()
    {
        if (_self is not null)
        {
            await _self.DisposeAsync();
        }

        if (Front is not null)
        {
            await Front.DisposeAsync();
        }

        await Owner.DisposeAsync();
        File.Delete(_nodesFile);
    }

    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}

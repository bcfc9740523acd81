using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Kv.Distribution;
using Kv.Distribution.Nodes;
using Kv.Distribution.PortMapper;
using Kv.Distribution.Tls;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kv.Benchmarks.Load;

/// <summary>
/// Node processes for a distributed load, on a private port mapper, cookie and nodes.json that
/// puts every bucket on the owner node: the <see cref="Owner"/>, optionally a <see cref="Front"/>
/// node that clients talk to (so that its buckets are all routed), and a node in this process.
/// With <c>KV_BENCH_TLS=1</c> every link runs TLS, with certificates that <c>scripts/make-certs.sh</c>
/// makes for the run in a temporary directory.
/// </summary>
internal sealed class BenchCluster : IAsyncDisposable
{
    private static readonly TimeSpan s_startDeadline = TimeSpan.FromSeconds(30);

    private readonly string _nodesFile;
    private readonly string? _certificates;
    private Node? _self;

    /// <summary>The environment variable that turns TLS on for every link of the cluster.</summary>
    public const string TlsVariable = "KV_BENCH_TLS";

    private BenchCluster(string tag, int portMapperPort, string nodesFile, string? certificates, ServerProcess owner, ServerProcess? front, int frontMetricsPort)
    {
        FrontMetricsPort = frontMetricsPort;
        _certificates = certificates;
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

    /// <summary>Where the front serves its instruments (<c>--metrics-port</c>), the router's among them.</summary>
    public int FrontMetricsPort { get; }

    public static async Task<BenchCluster> StartAsync(bool withFront, CancellationToken cancellationToken)
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var port = FreePort();
        var owner = $"kvbench-owner-{tag}";
        var nodesFile = Path.Combine(Path.GetTempPath(), $"kvbench-nodes-{tag}.json");
        await File.WriteAllTextAsync(nodesFile, $$"""{ "routing": [ { "first": 0, "last": 255, "node": "{{owner}}" } ] }""", cancellationToken);
        var environment = new Dictionary<string, string> { [PortMapperOptions.PortVariable] = port.ToString(CultureInfo.InvariantCulture) };
        var front = $"kvbench-front-{tag}";
        var certificates = Environment.GetEnvironmentVariable(TlsVariable) == "1"
            ? await MakeCertificatesAsync(tag, [owner, front, $"kvbench-client-{tag}"], cancellationToken)
            : null;
        string[] common = ["--cookie", "bench-" + tag, "--nodes", nodesFile, .. certificates is null ? Array.Empty<string>() : ["--tls", certificates]];
        var ownerProcess = await ServerProcess.StartAsync(s_startDeadline, cancellationToken, ["--sname", owner, .. common], environment);
        var metricsPort = FreePort();
        var frontProcess = withFront
            ? await ServerProcess.StartAsync(s_startDeadline, cancellationToken, ["--sname", front, "--metrics-port", metricsPort.ToString(CultureInfo.InvariantCulture), .. common], environment)
            : null;
        return new BenchCluster(tag, port, nodesFile, certificates, ownerProcess, frontProcess, metricsPort);
    }

    /// <summary>A node in this process, on the cluster's port mapper and cookie.</summary>
    public async Task<Node> StartSelfAsync(CancellationToken cancellationToken)
    {
        var directory = new PortMapperDirectory(new PortMapperOptions { Port = PortMapperPort }, NullLoggerFactory.Instance);
        var name = NodeName.Parse($"kvbench-client-{Tag}");
        _self = await Node.StartAsync(
            new NodeOptions
            {
                Name = name,
                Cookie = Cookie,
                Directory = directory,
                ListenAddress = IPAddress.Loopback,
                Tls = _certificates is null ? null : LinkTls.FromDirectory(_certificates, name),
            },
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
        if (_certificates is not null)
        {
            Directory.Delete(_certificates, recursive: true);
        }
    }

    /// <summary>Runs <c>make-certs.sh</c> (copied beside this tool) for <paramref name="nodes"/>; returns the directory.</summary>
    private static async Task<string> MakeCertificatesAsync(string tag, string[] nodes, CancellationToken cancellationToken)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"kvbench-certs-{tag}");
        var info = new System.Diagnostics.ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "make-certs.sh"));
        info.ArgumentList.Add(directory);
        foreach (var node in nodes)
        {
            info.ArgumentList.Add(node);
        }

        using var script = System.Diagnostics.Process.Start(info)!;
        var errors = script.StandardError.ReadToEndAsync(cancellationToken);
        await script.StandardOutput.ReadToEndAsync(cancellationToken);
        await script.WaitForExitAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        return script.ExitCode == 0 ? directory : throw new InvalidOperationException($"make-certs.sh failed: {await errors}");
    }

    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}

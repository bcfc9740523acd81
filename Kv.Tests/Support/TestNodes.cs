using System.Net;
using Kv.Distribution;
using Kv.Distribution.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Kv.Tests.Support;

/// <summary>
/// Nodes of one test, in this process, on loopback with ephemeral ports, sharing one in-memory
/// directory; each test gets fresh names so that tests never see each other's nodes.
/// </summary>
internal sealed class TestNodes : IAsyncDisposable
{
    private readonly List<Node> _nodes = [];
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    public StaticNodeDirectory Directory { get; } = new();

    public TestNodes() => LoggerFactory = FakeLogging.CreateFactory(Logs);

    /// <summary>What the nodes logged, at every level.</summary>
    public FakeLogCollector Logs { get; } = new();

    /// <summary>The nodes' logger factory, recording into <see cref="Logs"/>.</summary>
    public ILoggerFactory LoggerFactory { get; }

    public NodeName NameOf(string name) => NodeName.Parse($"{name}-{_suffix}@localhost");

    /// <summary>
    /// Starts a node named <paramref name="name"/>; <paramref name="directory"/> replaces the shared
    /// <see cref="Directory"/> for it, and <paramref name="metrics"/> the instruments it would make.
    /// </summary>
    public async Task<Node> StartAsync(string name, string cookie = "secret", bool hidden = false, TimeSpan? tickTime = null, int maxFrameLength = 1024 * 1024, TextWriter? console = null, INodeDirectory? directory = null, TimeSpan? handshakeTimeout = null, long? linkBusyBytes = null, long? linkMaxQueuedBytes = null, DistributionMetrics? metrics = null, Kv.Distribution.Tls.LinkTls? tls = null)
    {
        var options = new NodeOptions
        {
            Name = NameOf(name),
            Cookie = cookie,
            Directory = directory ?? Directory,
            ListenAddress = IPAddress.Loopback,
            Hidden = hidden,
            TickTime = tickTime ?? TimeSpan.FromSeconds(15),
            HandshakeTimeout = handshakeTimeout ?? TimeSpan.FromSeconds(1),
            CallTimeout = TimeSpan.FromSeconds(5),
            MaxFrameLength = maxFrameLength,
            Console = console ?? TextWriter.Null,
            LinkBusyBytes = linkBusyBytes ?? 1024 * 1024,
            LinkMaxQueuedBytes = linkMaxQueuedBytes ?? 64 * 1024 * 1024,
            Tls = tls,
        };
        var node = await Node.StartAsync(options, LoggerFactory, metrics, cancellationToken: TestContext.Current.CancellationToken);
        _nodes.Add(node);
        return node;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        LoggerFactory.Dispose();
    }
}

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Kv.Tests.Support;

/// <summary>
/// A test class whose facts start node processes: a <see cref="NodeCluster"/> per test, with its
/// in-process node started only when <see cref="DistributedEnvironment.NodesAllowed"/>.
/// Subclasses carry <c>[Trait("distributed", "true")]</c> and mark their facts <see cref="DistributedFactAttribute"/>.
/// </summary>
public abstract class ClusterTestBase : IAsyncLifetime
{
    private readonly ILoggerFactory _loggerFactory;

    protected ClusterTestBase()
    {
        _loggerFactory = FakeLogging.CreateFactory(Logs);
        Cluster = new NodeCluster(_loggerFactory);
    }

    /// <summary>What the nodes of this process (<see cref="NodeCluster.Self"/> and its port-mapper client) logged, at every level.</summary>
    internal FakeLogCollector Logs { get; } = new();

    internal NodeCluster Cluster { get; }

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        if (DistributedEnvironment.NodesAllowed)
        {
            await Cluster.StartSelfAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        _loggerFactory.Dispose();
        GC.SuppressFinalize(this);
    }
}

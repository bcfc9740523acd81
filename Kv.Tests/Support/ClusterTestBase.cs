namespace Kv.Tests.Support;

/// <summary>
/// A test class whose facts start node processes: a <see cref="NodeCluster"/> per test, with its
/// in-process node started only when <see cref="DistributedEnvironment.NodesAllowed"/>.
/// Subclasses carry <c>[Trait("distributed", "true")]</c> and mark their facts <see cref="DistributedFactAttribute"/>.
/// </summary>
public abstract class ClusterTestBase : IAsyncLifetime
{
    protected ClusterTestBase() => Cluster = new NodeCluster(Logs);

    /// <summary>What the nodes of this process logged.</summary>
    internal LogRecorder Logs { get; } = new();

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
        GC.SuppressFinalize(this);
    }
}

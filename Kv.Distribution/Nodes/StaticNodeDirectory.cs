using System.Collections.Concurrent;
using System.Net;

namespace Kv.Distribution.Nodes;

/// <summary>
/// A directory held in memory: fixed addresses (such as explicit ones from a configuration file)
/// plus whatever registers with this instance. Nodes of one process can share one; an optional
/// fallback directory answers names it does not know.
/// </summary>
public sealed class StaticNodeDirectory(INodeDirectory? fallback = null) : INodeDirectory
{
    private readonly ConcurrentDictionary<NodeName, IPEndPoint> _addresses = new();

    /// <summary>Adds or replaces a fixed address.</summary>
    public void Set(NodeName node, IPEndPoint endPoint) => _addresses[node] = endPoint;

    /// <inheritdoc />
    public async ValueTask<IAsyncDisposable> RegisterAsync(NodeName node, int port, CancellationToken cancellationToken)
    {
        var endPoint = new IPEndPoint(IPAddress.Loopback, port);
        _addresses[node] = endPoint;
        var inner = fallback is null ? null : await fallback.RegisterAsync(node, port, cancellationToken);
        return new Registration(this, node, endPoint, inner);
    }

    /// <inheritdoc />
    public ValueTask<IPEndPoint?> ResolveAsync(NodeName node, CancellationToken cancellationToken) =>
        _addresses.TryGetValue(node, out var endPoint)
            ? ValueTask.FromResult<IPEndPoint?>(endPoint)
            : fallback?.ResolveAsync(node, cancellationToken) ?? ValueTask.FromResult<IPEndPoint?>(null);

    private sealed class Registration(StaticNodeDirectory directory, NodeName node, IPEndPoint endPoint, IAsyncDisposable? inner) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            directory._addresses.TryRemove(KeyValuePair.Create(node, endPoint));
            if (inner is not null)
            {
                await inner.DisposeAsync();
            }
        }
    }
}

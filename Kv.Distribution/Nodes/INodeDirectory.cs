using System.Net;

namespace Kv.Distribution.Nodes;

/// <summary>
/// Where nodes are found: a node registers its distribution port under its name when it starts,
/// and asks for another node's address when it connects. The port mapper is the usual directory.
/// </summary>
public interface INodeDirectory
{
    /// <summary>Registers <paramref name="node"/> at <paramref name="port"/>; disposing the result unregisters it.</summary>
    ValueTask<IAsyncDisposable> RegisterAsync(NodeName node, int port, CancellationToken cancellationToken);

    /// <summary>Finds where <paramref name="node"/> listens, or <see langword="null"/> when it is not registered.</summary>
    ValueTask<IPEndPoint?> ResolveAsync(NodeName node, CancellationToken cancellationToken);
}

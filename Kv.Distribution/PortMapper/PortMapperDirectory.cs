using System.Net;
using System.Net.Sockets;
using Kv.Distribution.Nodes;
using Microsoft.Extensions.Logging;

namespace Kv.Distribution.PortMapper;

/// <summary>
/// The usual <see cref="INodeDirectory"/>: a node registers with the port mapper of its own host,
/// and finds another node by asking the port mapper of that node's host.
/// </summary>
public sealed class PortMapperDirectory(PortMapperOptions options, ILoggerFactory loggerFactory) : INodeDirectory
{
    /// <inheritdoc />
    public async ValueTask<IAsyncDisposable> RegisterAsync(NodeName node, int port, CancellationToken cancellationToken) =>
        await PortMapperClient.RegisterAsync(node.Name, port, options, loggerFactory, cancellationToken);

    /// <inheritdoc />
    public async ValueTask<IPEndPoint?> ResolveAsync(NodeName node, CancellationToken cancellationToken)
    {
        var address = await AddressOfAsync(node.Host, cancellationToken);
        if (address is null)
        {
            return null;
        }

        var port = await PortMapperClient.LookupAsync(address, node.Name, options, cancellationToken);
        return port is null ? null : new IPEndPoint(address, port.Value);
    }

    /// <summary>Loopback for this host (by any of its names), else the host's first address (IPv4 preferred).</summary>
    private static async Task<IPAddress?> AddressOfAsync(string host, CancellationToken cancellationToken)
    {
        if (IsThisHost(host))
        {
            return IPAddress.Loopback;
        }

        if (IPAddress.TryParse(host, out var literal))
        {
            return literal;
        }

        try
        {
            var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken);
            return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault();
        }
        catch (SocketException)
        {
            return null;
        }
    }

    private static bool IsThisHost(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || host.Equals(NodeName.ShortHostName, StringComparison.OrdinalIgnoreCase)
        || host.Equals(Environment.MachineName, StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
}

using System.Net;
using System.Net.Sockets;
using Kv.Core.Routing;
using Kv.Distribution.Nodes;

namespace Kv.Server.Distribution;

/// <summary>
/// The explicit distribution addresses of a nodes file (<c>"address": "host:port"</c>), resolved
/// once at start: an IP address as it is, a host name through DNS (an IPv4 address first).
/// </summary>
internal static class NodeAddresses
{
    /// <summary>How long a host name may take to resolve.</summary>
    public static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Resolves every address of <paramref name="nodes"/>.</summary>
    /// <exception cref="StartupFailureException">A host name does not resolve, or not within <see cref="ResolveTimeout"/>.</exception>
    public static async Task<IReadOnlyDictionary<NodeName, IPEndPoint>> ResolveAsync(NodesConfig nodes, CancellationToken cancellationToken)
    {
        var addresses = new Dictionary<NodeName, IPEndPoint>();
        foreach (var (node, settings) in nodes.Nodes)
        {
            if (settings.Address is not { } address || !NodesFile.TrySplitAddress(address, out var host, out var port))
            {
                continue;
            }

            addresses[node] = IPAddress.TryParse(host, out var ip)
                ? new IPEndPoint(ip, port)
                : new IPEndPoint(await ResolveHostAsync(host, node, address, nodes.Path, cancellationToken), port);
        }

        return addresses;
    }

    private static async Task<IPAddress> ResolveHostAsync(string host, NodeName node, string address, string? file, CancellationToken cancellationToken)
    {
        string why;
        Exception? failure = null;
        try
        {
            var found = await Dns.GetHostAddressesAsync(host, cancellationToken).WaitAsync(ResolveTimeout, cancellationToken);
            var chosen = found.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? found.FirstOrDefault();
            if (chosen is not null)
            {
                return chosen;
            }

            why = "it has no address";
        }
        catch (SocketException ex)
        {
            (why, failure) = (ex.Message, ex);
        }
        catch (TimeoutException ex)
        {
            (why, failure) = ($"no answer within {ResolveTimeout.TotalSeconds:0} s", ex);
        }

        throw new StartupFailureException(
            $"the address of {node} in {file ?? NodesFile.DefaultFileName}, '{address}', does not resolve: {host}: {why}",
            "fix the host name, or give an IP address",
            innerException: failure);
    }
}

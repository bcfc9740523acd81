using System.Net;
using Kv.Core.Buckets;
using Kv.Core.Routing;
using Kv.Distribution;
using Kv.Distribution.Nodes;
using Kv.Distribution.PortMapper;
using Kv.Server.Distribution;
using Kv.Server.Tcp;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Kv.Server;

/// <summary>The node's services. Their options are checked before they get here (<see cref="Cli.OptionResolver"/>).</summary>
internal static partial class KvHost
{
    /// <summary>
    /// Registers this process's node (started when it has a name) and the port mapper it registers
    /// with; <paramref name="addresses"/> are the nodes file's explicit addresses, resolved.
    /// </summary>
    public static IServiceCollection AddKvNode(this IServiceCollection services, IConfiguration configuration, NodesConfig nodes, IReadOnlyDictionary<NodeName, IPEndPoint> addresses)
    {
        services.AddOptions<NodeHostOptions>().Bind(configuration);
        services.AddSingleton(_ => new DistributionMetrics());
        services.AddSingleton(provider => new Telemetry.NodeMetrics(provider.GetRequiredService<DistributionMetrics>(), provider.GetService<ServerMetrics>(), provider.GetRequiredService<RouterMetrics>()));
        services.AddSingleton(nodes);
        services.TryAddSingleton(_ => PortMapperOptions.FromEnvironment());
        services.TryAddSingleton(RegistryOf);
        services.TryAddSingleton(_ => new RouterMetrics());
        services.AddSingleton(provider => new Router(nodes.Table, provider.GetRequiredService<BucketRegistry>()) { Metrics = provider.GetRequiredService<RouterMetrics>() });
        services.AddSingleton<INodeDirectory>(provider => NodeDirectoryOf(addresses, provider));
        services.AddSingleton<NodeHost>();
        services.AddHostedService(provider => provider.GetRequiredService<NodeHost>());
        return services;
    }

    /// <summary>The bucket registry, holding at most <c>--max-buckets</c> (<see cref="KvServerOptions.MaxBuckets"/>).</summary>
    private static BucketRegistry RegistryOf(IServiceProvider provider) =>
        new(provider.GetRequiredService<IOptions<KvServerOptions>>().Value.MaxBuckets);

    /// <summary>The port mapper, with the explicit addresses of nodes.json in front of it.</summary>
    private static StaticNodeDirectory NodeDirectoryOf(IReadOnlyDictionary<NodeName, IPEndPoint> addresses, IServiceProvider provider)
    {
        var directory = new StaticNodeDirectory(new PortMapperDirectory(provider.GetRequiredService<PortMapperOptions>(), provider.GetRequiredService<ILoggerFactory>()));
        foreach (var (node, endPoint) in addresses)
        {
            directory.Set(node, endPoint);
        }

        return directory;
    }

    /// <summary>Registers the bucket registry and the TCP text server, bound to <paramref name="configuration"/>.</summary>
    public static IServiceCollection AddKvServer(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<KvServerOptions>().Bind(configuration);
        services.AddMetrics();
        services.TryAddSingleton(RegistryOf);
        services.TryAddSingleton(_ => new RouterMetrics());
        services.TryAddSingleton(provider => new Router(RoutingTable.Local, provider.GetRequiredService<BucketRegistry>()) { Metrics = provider.GetRequiredService<RouterMetrics>() });
        services.AddSingleton<ServerMetrics>();
        services.AddSingleton<KvTcpServer>();
        services.AddHostedService(provider => provider.GetRequiredService<KvTcpServer>());
        return services;
    }
}

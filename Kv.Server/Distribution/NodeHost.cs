using Kv.Core.Application;
using Kv.Core.Buckets;
using Kv.Core.Routing;
using Kv.Distribution;
using Kv.Distribution.Processes;
using Kv.Distribution.Nodes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Kv.Server.Distribution;

/// <summary>
/// Starts this process's node with the host when it was given a name, and stops it first on
/// shutdown so that peers see it leave at once. Without a name the process is not distributed
/// (Erlang's <c>nonode@nohost</c>) and <see cref="Node"/> is <see langword="null"/>.
/// </summary>
internal sealed class NodeHost(
    IOptions<NodeHostOptions> options,
    INodeDirectory directory,
    BucketRegistry registry,
    Router router,
    ILoggerFactory loggerFactory,
    DistributionMetrics metrics) : IHostedService, IAsyncDisposable
{
    /// <summary>The running node, once started; <see langword="null"/> when not distributed.</summary>
    public Node? Node { get; private set; }

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.IsDistributed)
        {
            return;
        }

        var name = NodeName.Parse(settings.Name ?? settings.SName!);
        var nodeOptions = new NodeOptions
        {
            Name = name,
            Tls = settings.LoadTls(name),
            Cookie = Cookie.Resolve(settings.Cookie),
            Directory = directory,
            Hidden = settings.Hidden,
            ListenAddress = System.Net.IPAddress.Parse(settings.DistBind),
            ListenPort = settings.DistPort,
            TickTime = TimeSpan.FromSeconds(settings.TickTime),
        };
        Node = await Node.StartAsync(nodeOptions, loggerFactory, metrics, cancellationToken);
        BuiltInFunctions.Register(Node);
        foreach (var module in settings.Modules)
        {
            LoadableModules.Load(Node, module);
        }

        // Output of work started from other nodes goes back to them (Erlang's group leaders).
        ConsoleForwarding.Install(Node);
        KvApplication.Start(Node, registry, router);
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Node is not null)
        {
            await Node.DisposeAsync();
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Node?.DisposeAsync() ?? ValueTask.CompletedTask;
}

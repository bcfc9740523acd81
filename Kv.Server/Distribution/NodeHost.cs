using Kv.Core.Application;
using Kv.Core.Routing;
using Kv.Distribution;
using Kv.Distribution.Nodes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Kv.Server.Distribution;

/// <summary>
/// Starts this process's node with the host when it was given a name, and stops it first on
/// shutdown so that peers see it leave at once. Without a name the process is not distributed
/// (Erlang's <c>nonode@nohost</c>) and <see cref="Node"/> is <see langword="null"/>. The node is
/// started by <see cref="KvNode.StartAsync"/>, the same call a program that embeds a node makes,
/// with the command line's settings and <c>--load</c>'s modules.
/// </summary>
internal sealed class NodeHost(
    IOptions<NodeHostOptions> options,
    INodeDirectory directory,
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
        var modules = settings.Modules.Select(LoadableModules.TypeOf).ToList();
        var kv = await KvNode.StartAsync(new KvNodeOptions { Node = nodeOptions, Router = router, Modules = modules }, loggerFactory, metrics, cancellationToken);
        Node = kv.Node;
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

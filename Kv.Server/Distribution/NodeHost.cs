using System.Net.Sockets;
using Kv.Core.Application;
using Kv.Core.Routing;
using Kv.Distribution;
using Kv.Distribution.Nodes;
using Kv.Distribution.PortMapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Kv.Server.Distribution;

/// <summary>
/// Starts this process's node with the host when it was given a name, and stops it first on
/// shutdown so that peers see it leave at once. Without a name the process is not distributed
/// (Erlang's <c>nonode@nohost</c>) and <see cref="Node"/> is <see langword="null"/>. The node is
/// started by <see cref="KvNode.StartAsync"/>, the same call a program that embeds a node makes,
/// with the command line's settings and <c>--load</c>'s modules. A start that fails for a reason the
/// operator can fix (the distribution port or the name taken, no port mapper) is a
/// <see cref="StartupFailureException"/>.
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
        try
        {
            var kv = await KvNode.StartAsync(new KvNodeOptions { Node = nodeOptions, Router = router, Modules = modules }, loggerFactory, metrics, cancellationToken);
            Node = kv.Node;
        }
        catch (SocketException ex) when (ListenFailure.Describe(ex, "the distribution port", new System.Net.IPEndPoint(nodeOptions.ListenAddress, settings.DistPort), "--dist-port") is { } failure)
        {
            throw failure;
        }
        catch (PortMapperException ex) when (ex.Error == PortMapperError.NameInUse)
        {
            throw new StartupFailureException(
                $"the name {nodeOptions.Name} is taken: a running node on this host is registered as '{nodeOptions.Name.Name}'",
                "stop that node, or start this one under another name",
                settings.Name is null ? "--sname" : "--name",
                ex);
        }
        catch (PortMapperException ex)
        {
            var source = Environment.GetEnvironmentVariable(PortMapperOptions.PortVariable) is { Length: > 0 }
                ? $"{PortMapperOptions.PortVariable} in the environment"
                : $"the default; {PortMapperOptions.PortVariable} is not set";
            throw new StartupFailureException($"node {nodeOptions.Name} cannot register with the port mapper ({source}): {ex.Message.TrimEnd('.')}", fix: string.Empty, innerException: ex);
        }
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

using Kv.Core.Buckets;
using Kv.Core.Routing;
using Kv.Distribution;
using Kv.Distribution.Processes;
using Kv.Distribution.Terms;
using Microsoft.Extensions.Logging;

namespace Kv.Core.Application;

/// <summary>
/// A node running the kv application, set up the way the console host (<c>Kv.Server</c>) sets up
/// its own: the <see cref="Distribution.Node"/> started and registered with its directory; the
/// functions every kv node exports (the built-in <c>Kernel</c>, <c>Net</c> and <c>Timer</c> ones, kv's
/// <c>KV.Registry</c>, <c>KV.Bucket</c> and <c>KV.Router</c>, <see cref="ProcessModule"/>'s
/// <c>Process.Echo</c> and <c>Process.Counter</c>) and one's own <see cref="KvNodeOptions.Modules"/>;
/// console output of remote work sent back where it came from; the router attached; and the
/// application tree (<see cref="KvApplication"/>: <c>KV.Registry</c> and <c>RouterTasks</c> under
/// <c>KV.Supervisor</c>) running.
/// </summary>
public sealed class KvNode : IAsyncDisposable
{
    private KvNode(Node node, Router router, Pid supervisor)
    {
        Node = node;
        Router = router;
        Supervisor = supervisor;
    }

    /// <summary>The running node: send, spawn, call, connect.</summary>
    public Node Node { get; }

    /// <summary>The router, attached to <see cref="Node"/>: requests for a bucket go to its owner.</summary>
    public Router Router { get; }

    /// <summary>This node's buckets.</summary>
    public BucketRegistry Registry => Router.Registry;

    /// <summary>The application's supervisor, <c>KV.Supervisor</c>.</summary>
    public Pid Supervisor { get; }

    /// <summary>Starts a kv node; dispose it to stop it (peers see it leave at once).</summary>
    /// <param name="options">The node, the router and one's own modules.</param>
    /// <param name="loggerFactory">Where the node logs; nowhere when null.</param>
    /// <param name="metrics">The node's instruments; new ones when null.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <exception cref="ArgumentException">A module has no static <c>[Export]</c> method (nothing is left running).</exception>
    /// <exception cref="Kv.Distribution.Processes.ExitException">The application's supervision tree did not come up within 5 s (nothing is left running).</exception>
    /// <remarks>When it returns, the application's tree is up: <c>KV.Supervisor</c>, <c>KV.Registry</c> and <c>RouterTasks</c> are registered.</remarks>
    public static async Task<KvNode> StartAsync(KvNodeOptions options, ILoggerFactory? loggerFactory = null, DistributionMetrics? metrics = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var router = options.Router ?? new Router(RoutingTable.Local, new BucketRegistry());
        var node = await Node.StartAsync(options.Node, loggerFactory, metrics, cancellationToken);
        try
        {
            node.Functions.RegisterModule(typeof(ProcessModule));
            foreach (var module in options.Modules)
            {
                node.Functions.RegisterModule(module);
            }

            if (options.ForwardConsole)
            {
                // Output of work started from other nodes goes back to them (Erlang's group leaders).
                ConsoleForwarding.Install(node);
            }

            return new KvNode(node, router, await KvApplication.StartAsync(node, router.Registry, router, cancellationToken));
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Node.DisposeAsync();
}

using Kv.Core.Buckets;
using Kv.Core.Routing;
using Kv.Distribution;
using Kv.Distribution.Processes;
using Kv.Distribution.Servers;
using Kv.Distribution.Supervision;
using Kv.Distribution.Tasks;
using Kv.Distribution.Terms;

namespace Kv.Core.Application;

/// <summary>
/// The kv application's supervision tree on a node, as the guide's <c>KV.Supervisor</c> has it:
/// the <see cref="RegistryServer"/> (<c>KV.Registry</c>) and the <c>RouterTasks</c> task
/// supervisor, one-for-all.
/// </summary>
public static class KvApplication
{
    /// <summary>The task supervisor the router runs remote requests under.</summary>
    public const string RouterTasks = "RouterTasks";

    /// <summary>The supervisor's registered name.</summary>
    public const string SupervisorName = "KV.Supervisor";

    /// <summary>
    /// Exports the kv functions, attaches the router to <paramref name="node"/>, and starts the
    /// tree; completes with the supervisor's pid once its init has started the children, each
    /// registered under its name (as <c>Application.start</c> returns once the tree is up), within
    /// <see cref="GenServer.DefaultTimeout"/>.
    /// </summary>
    /// <exception cref="ExitException">The supervisor did not come up in time, or ended.</exception>
    public static async Task<Pid> StartAsync(Node node, BucketRegistry registry, Router router, CancellationToken cancellationToken = default)
    {
        var supervisor = Start(node, registry, router);

        // A call is answered only after the server's init: the children are started by then.
        await GenServer.CallAsync(node, supervisor, Supervisor.WhichChildren, cancellationToken: cancellationToken);
        return supervisor;
    }

    private static Pid Start(Node node, BucketRegistry registry, Router router)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(router);
        KvFunctions.Register(node, registry, router);
        router.Attach(node);
        return Supervisor.Start(
            node,
            [
                new ChildSpec(RegistryServer.Name, parent => GenServer.StartLink(parent, new RegistryServer(registry), RegistryServer.Name)),
                new ChildSpec(RouterTasks, parent => TaskSupervisor.StartLink(parent, RouterTasks)),
            ],
            new SupervisorOptions(RestartStrategy.OneForAll),
            SupervisorName);
    }
}

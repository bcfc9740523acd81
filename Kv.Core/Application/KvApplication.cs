using Kv.Core.Buckets;
using Kv.Core.Routing;
using Kv.Distribution;
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

    /// <summary>Exports the kv functions, attaches the router to <paramref name="node"/>, and starts the tree; returns the supervisor's pid.</summary>
    public static Pid Start(Node node, BucketRegistry registry, Router router)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(router);
        KvFunctions.Register(node, registry, router);
        router.Attach(node);
        return Supervisor.Start(
            node,
            [
                new ChildSpec(RegistryServer.Name, parent => Distribution.Servers.GenServer.StartLink(parent, new RegistryServer(registry), RegistryServer.Name)),
                new ChildSpec(RouterTasks, parent => TaskSupervisor.StartLink(parent, RouterTasks)),
            ],
            new SupervisorOptions(RestartStrategy.OneForAll),
            SupervisorName);
    }
}

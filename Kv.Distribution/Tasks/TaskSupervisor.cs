using Kv.Distribution.Processes;
using Kv.Distribution.Rpc;
using Kv.Distribution.Servers;
using Kv.Distribution.Terms;

namespace Kv.Distribution.Tasks;

/// <summary>
/// A named supervisor of short-lived tasks on a node (Elixir's <c>Task.Supervisor</c>). Another node
/// asks it to run an exported function by module, function and arguments, and awaits the result:
/// only the function needs to exist there, not the caller's code.
/// </summary>
/// <remarks>
/// A task started from inside a process is linked to it, as Elixir's <c>Task.Supervisor.async</c>
/// links. The task is monitored on behalf of the awaiting side from the moment it is spawned, so a
/// crash, even an immediate one, ends the await with the reason. The link needs one more step,
/// as in Elixir's <c>Task.Supervised</c>:
/// 1. the supervisor spawns the task, linked on the task's side, and answers with its pid;
/// 2. the owner records its side of the link, then sends the task <c>[:go, tag]</c>;
/// 3. only then does the task run, so a crash cannot reach the owner before the owner knows the link
///    (the task gives up after 5 s without a go, should the owner have vanished).
/// </remarks>
public sealed class TaskSupervisor : GenServer
{
    private static readonly Atom s_start = new("start_task");
    private static readonly Atom s_ok = new("ok");
    private static readonly Atom s_error = new("error");
    private static readonly Atom s_go = new("go");

    /// <summary>How long a task started from a process waits for its owner's go before giving up.</summary>
    private static readonly TimeSpan s_goGuard = TimeSpan.FromSeconds(5);

    private TaskSupervisor()
    {
    }

    /// <summary>Starts a task supervisor on <paramref name="node"/>, registered as <paramref name="name"/>.</summary>
    public static Pid Start(Node node, string name) => GenServer.Start(node, new TaskSupervisor(), name);

    /// <summary>Starts a task supervisor linked to <paramref name="parent"/> (as a child of a supervisor).</summary>
    public static Pid StartLink(ProcessContext parent, string name) => GenServer.StartLink(parent, new TaskSupervisor(), name);

    /// <summary>
    /// Runs <paramref name="module"/>.<paramref name="function"/>(<paramref name="args"/>) under
    /// <paramref name="supervisor"/> (here or on another node) and returns a handle to await its result.
    /// </summary>
    /// <exception cref="ExitException">The supervisor does not exist (<c>noproc</c>), cannot be reached, or did not answer.</exception>
    /// <exception cref="RpcException">The function is not exported there (<see cref="RpcFailure.Undefined"/>) or the arguments do not fit (<see cref="RpcFailure.BadArg"/>).</exception>
    public static Task<TaskHandle> Async(Node node, ServerRef supervisor, string module, string function, object?[] args, CancellationToken cancellationToken = default) =>
        StartAsync(node, supervisor, module, function, args, awaited: true, cancellationToken);

    /// <summary>Runs a function under <paramref name="supervisor"/> without awaiting it (Elixir's <c>start_child</c>); returns the task's pid.</summary>
    public static async Task<Pid> StartChild(Node node, ServerRef supervisor, string module, string function, object?[] args, CancellationToken cancellationToken = default) =>
        (await StartAsync(node, supervisor, module, function, args, awaited: false, cancellationToken)).Pid;

    /// <summary>Runs a closure as a task on this node: closures never cross the wire, so there is no remote form of this.</summary>
    public static TaskHandle Async(Node node, Func<Task<object?>> work)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(work);
        var tag = node.MakeRef();
        var reply = node.Replies.Expect(tag, node.Name);
        var owner = ProcessContext.Current?.Self;
        var pid = node.SpawnLocal(
            async context => context.Send(node.ReplyPid, new object?[] { tag, await work() }),
            ConsoleForwarding.CurrentGroupLeader ?? node.GroupLeader,
            linkTo: owner,
            monitor: (tag, node.ReplyPid));
        return new TaskHandle(node, pid, tag, reply);
    }

    /// <inheritdoc />
    protected override ValueTask<object?> HandleCallAsync(object? request, CallFrom from)
    {
        if (request is not object?[] { Length: 8 } start || start[0] is not Atom verb || verb != s_start
            || start[1] is not Pid replyTo || start[4] is not string module || start[5] is not string function || start[6] is not object?[] args)
        {
            return base.HandleCallAsync(request, from);
        }

        var tag = start[2] as Ref?;
        var owner = start[3] as Pid?;
        var groupLeader = start[7] as Pid? ?? Context.Node.GroupLeader;
        ExportedFunction exported;
        try
        {
            exported = Context.Node.Invoker.Find(module, function, args.Length, asProcess: false);
        }
        catch (RpcException failure)
        {
            return ValueTask.FromResult<object?>(new object?[] { s_error, (long)failure.Failure, failure.Message });
        }

        var pid = Context.Node.SpawnLocal(
            async context =>
            {
                if (owner is not null)
                {
                    await context.ReceiveAsync(m => m is object?[] { Length: 2 } go && go[0] is Atom a && a == s_go, s_goGuard);
                }

                var result = await exported.InvokeAsync(args);
                if (tag is { } replyTag)
                {
                    context.Send(replyTo, new object?[] { replyTag, result });
                }
            },
            groupLeader,
            linkTo: owner,
            monitor: tag is { } monitorTag ? (monitorTag, replyTo) : null);
        return ValueTask.FromResult<object?>(new object?[] { s_ok, pid });
    }

    private static async Task<TaskHandle> StartAsync(Node node, ServerRef supervisor, string module, string function, object?[] args, bool awaited, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(node);
        var tag = node.MakeRef();
        var targetNode = supervisor.Pid?.Node ?? supervisor.Node;
        var reply = awaited ? node.Replies.Expect(tag, targetNode) : Task.FromResult<object?>(null);
        var owner = ProcessContext.Current;
        var request = new object?[]
        {
            s_start, node.ReplyPid, awaited ? tag : null, owner?.Self, module, function, args, ConsoleForwarding.CurrentGroupLeader ?? node.GroupLeader,
        };

        object? answer;
        try
        {
            answer = await CallAsync(node, supervisor, request, cancellationToken: cancellationToken);
        }
        catch
        {
            node.Replies.Forget(tag);
            throw;
        }

        switch (answer)
        {
            case object?[] { Length: 2 } ok when ok[0] is Atom a && a == s_ok && ok[1] is Pid pid:
                if (owner is not null)
                {
                    owner.Process.AddLink(pid);
                    node.Send(pid, new object?[] { s_go, tag });
                }

                return new TaskHandle(node, pid, tag, reply);
            case object?[] { Length: 3 } error when error[0] is Atom a && a == s_error:
                node.Replies.Forget(tag);
                throw new RpcException((RpcFailure)(long)error[1]!, targetNode.ToString(), error[2] as string ?? "the task could not start");
            default:
                node.Replies.Forget(tag);
                throw new ExitException(new object?[] { new Atom("bad_reply"), answer });
        }
    }
}

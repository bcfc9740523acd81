using Kv.Distribution.Nodes;
using Kv.Distribution.Terms;

namespace Kv.Distribution.Processes;

/// <summary>
/// What a process's code sees of itself and of the runtime: its pid, its mailbox, its links and
/// monitors, and the ways to start other processes, here or on other nodes. Pids work the same
/// whether they name a process of this node or of another.
/// </summary>
public sealed class ProcessContext
{
    private static readonly AsyncLocal<ProcessContext?> s_current = new();

    private readonly LocalProcess _process;
    private TextWriter? _out;

    internal ProcessContext(Node node, LocalProcess process)
    {
        Node = node;
        _process = process;
    }

    /// <summary>The process the calling code runs in, or <see langword="null"/> outside any process.</summary>
    public static ProcessContext? Current => s_current.Value;

    /// <summary>The node the process runs on.</summary>
    public Node Node { get; }

    /// <summary>The process's own pid (Erlang's <c>self()</c>).</summary>
    public Pid Self => _process.Pid;

    /// <summary>The process its console output goes to: on the node that started the work.</summary>
    public Pid GroupLeader => _process.GroupLeader;

    /// <summary>Cancelled when the process ends (for example killed by a linked process's exit).</summary>
    public CancellationToken Cancellation => _process.Cancellation;

    /// <summary>Whether exit signals from linked processes arrive as <see cref="ExitMessage"/>s instead of ending this one.</summary>
    public bool TrapExits
    {
        get => _process.TrapExit;
        set => _process.TrapExit = value;
    }

    /// <summary>Console output of this process, written on its group leader's node.</summary>
    public TextWriter Out => _out ??= new GroupLeaderWriter(Node, GroupLeader);

    internal LocalProcess Process => _process;

    /// <summary>Sends <paramref name="message"/> to <paramref name="to"/>, on any node. Never throws; a message to a dead process is dropped.</summary>
    public void Send(Pid to, object? message) => Node.Send(to, message);

    /// <summary>Sends as <see cref="Send(Pid, object?)"/>, first waiting while the link to the target's node is busy (back-pressure); see <see cref="Node.SendAsync"/>.</summary>
    public ValueTask SendAsync(Pid to, object? message) => Node.SendAsync(to, message, Cancellation);

    /// <summary>Sends <paramref name="message"/> to the process registered as <paramref name="name"/> on <paramref name="node"/>.</summary>
    public void Send(string name, NodeName node, object? message) => Node.Send(name, node, message, Self);

    /// <summary>Takes the oldest message in the mailbox, waiting up to <paramref name="timeout"/> (forever when omitted).</summary>
    /// <exception cref="TimeoutException">No message came in time.</exception>
    public ValueTask<object?> ReceiveAsync(TimeSpan? timeout = null) => ReceiveAsync(null, timeout);

    /// <summary>Takes the oldest message that <paramref name="match"/> accepts (selective receive); others stay in order.</summary>
    /// <exception cref="TimeoutException">No matching message came in time.</exception>
    public ValueTask<object?> ReceiveAsync(Func<object?, bool>? match, TimeSpan? timeout = null) =>
        _process.Mailbox.ReceiveAsync(match, timeout ?? Timeout.InfiniteTimeSpan, Cancellation);

    /// <summary>Links this process to <paramref name="other"/>: when either ends abnormally, the other gets an exit signal.</summary>
    public void Link(Pid other) => _process.LinkTo(other);

    /// <summary>Removes a link.</summary>
    public void Unlink(Pid other) => _process.UnlinkFrom(other);

    /// <summary>Monitors <paramref name="target"/>: a <see cref="DownMessage"/> with this reference arrives when it ends.</summary>
    public Ref Monitor(Pid target) => _process.MonitorOf(target);

    /// <summary>Stops a monitor; no down message arrives for it afterwards.</summary>
    public void Demonitor(Ref monitor) => _process.Demonitor(monitor);

    /// <summary>Sends an exit signal to <paramref name="target"/> (Erlang's <c>Process.exit/2</c>); <see cref="Exits.Kill"/> cannot be trapped.</summary>
    public void Exit(Pid target, object? reason) => Node.Processes.Resolve(target).Exit(target, Self, reason, explicitSignal: true);

    /// <summary>Registers this process under <paramref name="name"/> on its node.</summary>
    /// <returns><see langword="false"/> when the name is taken.</returns>
    public bool Register(string name) => Node.Register(name, Self);

    /// <summary>Starts a process on this node running <paramref name="body"/>; it shares this process's group leader.</summary>
    public Pid Spawn(Func<ProcessContext, Task> body) => Node.SpawnLocal(body, GroupLeader, linkTo: null, monitor: null);

    /// <summary>Starts a process linked to this one.</summary>
    public Pid SpawnLink(Func<ProcessContext, Task> body) => Node.SpawnLocal(body, GroupLeader, linkTo: Self, monitor: null);

    /// <summary>Starts a process monitored by this one.</summary>
    public (Pid Pid, Ref Monitor) SpawnMonitor(Func<ProcessContext, Task> body)
    {
        var monitor = Node.MakeRef();
        _process.AddMonitoring(monitor, default);
        var pid = Node.SpawnLocal(body, GroupLeader, linkTo: null, monitor: (monitor, Self));
        return (pid, monitor);
    }

    /// <summary>
    /// Starts a process on <paramref name="node"/> (this one or another) running the exported function
    /// <paramref name="module"/>.<paramref name="function"/>; its console output comes back here.
    /// </summary>
    /// <exception cref="Rpc.RpcException">The node cannot be reached (NoConnection) or does not export the function (Undefined, BadArg).</exception>
    public Task<Pid> SpawnAsync(NodeName node, string module, string function, object?[] args, bool link = false, CancellationToken cancellationToken = default) =>
        Node.Spawner.SpawnAsync(node, module, function, args, _process, GroupLeader, link, monitor: null, cancellationToken);

    /// <summary>Starts a process on <paramref name="node"/> monitored by this one.</summary>
    public async Task<(Pid Pid, Ref Monitor)> SpawnMonitorAsync(NodeName node, string module, string function, object?[] args, CancellationToken cancellationToken = default)
    {
        var monitor = Node.MakeRef();
        _process.AddMonitoring(monitor, default);
        var pid = await Node.Spawner.SpawnAsync(node, module, function, args, _process, GroupLeader, link: false, monitor, cancellationToken);
        return (pid, monitor);
    }

    /// <inheritdoc />
    public override string ToString() => Self.ToString();

    internal static void SetCurrent(ProcessContext? context) => s_current.Value = context;
}

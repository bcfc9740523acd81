using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Kv.Distribution.Connections;
using Kv.Distribution.Control;
using Kv.Distribution.Nodes;
using Kv.Distribution.Processes;
using Kv.Distribution.Rpc;
using Kv.Distribution.Support;
using Kv.Distribution.Terms;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kv.Distribution;

/// <summary>
/// A running node (Erlang's <c>net_kernel</c>): its name, creation and cookie, its links to other
/// nodes, its processes, and the functions it exports. Pids work the same whichever node they name,
/// this one included.
/// </summary>
/// <remarks>
/// <para>Start one with <see cref="StartAsync"/>; it registers with its <see cref="NodeOptions.Directory"/>
/// so that others can find it, links to other nodes on first use (or <see cref="ConnectAsync"/>), and
/// ticks idle links so that a silent peer is declared down. Disposing it closes every link at once,
/// so peers see it leave immediately.</para>
/// <para>The node owns its parts and wires them together: the <see cref="ConnectionManager"/> (links),
/// the <see cref="ProcessRegistry"/> (where a pid leads), the <see cref="Spawner"/> (starting
/// processes, here or there) and the <see cref="FunctionInvoker"/> (running exported functions).</para>
/// </remarks>
public sealed class Node : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Timer _ticker;
    private readonly RequestSweeper _sweeper;
    private IAsyncDisposable? _registration;
    private int _disposed;

    private Node(NodeOptions options, Socket listener, ILoggerFactory loggerFactory, DistributionMetrics metrics)
    {
        Options = options;
        Name = options.Name;
        Creation = options.Creation ?? CreateCreation();
        Logger = loggerFactory.CreateLogger<Node>();
        Metrics = metrics;
        _listener = listener;
        ListenEndPoint = (IPEndPoint)listener.LocalEndPoint!;
        Terms.Intern(Name);
        var identity = new HandshakeIdentity(Name, Creation, options.Hidden, options.Cookie);
        _sweeper = new RequestSweeper(ExpireRequests);
        Links = new ConnectionManager(options, identity, Terms, metrics, Logger, _sweeper, _stopping.Token);
        Processes = new ProcessRegistry(Name, Creation, Links, metrics, Logger);
        Invoker = new FunctionInvoker(Functions, Name);
        Spawner = new Spawner(this, Processes, Invoker, Links);
        Links.LinkUp += connection => NodeUp?.Invoke(this, new NodeEventArgs(connection.Peer, null));
        Links.LinkDown += (peer, reason) =>
        {
            Processes.OnNodeDown(peer);
            NodeDown?.Invoke(this, new NodeEventArgs(peer, reason));
        };
        Links.Unreachable += (peer, _) => Processes.OnNodeDown(peer);
        metrics.ObserveQueuedBytes(Links.QueuedBytes);

        var console = options.Console ?? Console.Out;
        GroupLeader = Spawner.Spawn(context => ConsoleGroupLeader.RunAsync(context, console), groupLeader: null, linkTo: null, monitor: null);
        Register("user", GroupLeader);
        Functions.Register("Kernel", "Node", () => Name.ToString(), inline: true);
        Functions.Register("Kernel", "Nodes", () => ConnectedNodes.Select(n => n.ToString()).ToArray(), inline: true);
        Functions.Register("Kernel", "Creation", () => (long)Creation, inline: true);
        Functions.Register("Net", "Ping", async (string node) =>
            await PingAsync(NodeName.Parse(node), _stopping.Token) == PingResult.Pong ? "pong" : "pang");

        // Erlang's :timer.sleep/1: handy to try timeouts and node-down from another node.
        Functions.Register("Timer", "Sleep", async (int milliseconds) =>
        {
            await Task.Delay(milliseconds, _stopping.Token);
            return "ok";
        });
        var tickPeriod = TimeSpan.FromTicks(Math.Max(options.TickTime.Ticks / 4, TimeSpan.TicksPerMillisecond));
        _ticker = new Timer(static state => ((Node)state!).Tick(), this, tickPeriod, tickPeriod);
    }

    /// <summary>A link to another node came up. Handlers run on the link's thread and must not throw.</summary>
    public event EventHandler<NodeEventArgs>? NodeUp;

    /// <summary>A link to another node went down, with the reason. Handlers must not throw.</summary>
    public event EventHandler<NodeEventArgs>? NodeDown;

    /// <summary>This node's name.</summary>
    public NodeName Name { get; }

    /// <summary>This incarnation's creation number: a restarted node has a new one.</summary>
    public uint Creation { get; }

    /// <summary>Whether the node is running (Erlang's <c>Node.alive?</c>).</summary>
    public bool IsAlive => Volatile.Read(ref _disposed) == 0;

    /// <summary>Where the node accepts links.</summary>
    public IPEndPoint ListenEndPoint { get; }

    /// <summary>The options the node was started with.</summary>
    public NodeOptions Options { get; }

    /// <summary>
    /// The functions this node exports to others: every node exports <c>Kernel.Node</c>,
    /// <c>Kernel.Nodes</c>, <c>Kernel.Creation</c>, <c>Net.Ping</c> and <c>Timer.Sleep</c>; anything
    /// else only when exported on purpose.
    /// </summary>
    public FunctionRegistry Functions { get; } = new();

    /// <summary>The codec of terms on the wire; register user types here.</summary>
    public TermCodec Terms { get; } = new();

    /// <summary>The layer's instruments.</summary>
    public DistributionMetrics Metrics { get; }

    /// <summary>The node's console group leader: the process that writes io requests to this node's console.</summary>
    public Pid GroupLeader { get; }

    /// <summary>How many processes run on this node.</summary>
    public int ProcessCount => Processes.Count;

    /// <summary>The visible nodes this node has links to (Erlang's <c>Node.list()</c>); hidden nodes are left out.</summary>
    public IReadOnlyList<NodeName> ConnectedNodes => Links.ConnectedNodes;

    internal ILogger Logger { get; }

    internal ConnectionManager Links { get; }

    internal ProcessRegistry Processes { get; }

    internal FunctionInvoker Invoker { get; }

    internal Spawner Spawner { get; }

    /// <summary>Waits for replies of code that is not a process; fed through <see cref="ReplyPid"/>.</summary>
    internal PendingReplies Replies => Processes.Replies;

    /// <summary>The pid that routes replies and down messages to <see cref="Replies"/> (id 0, never a real process).</summary>
    internal Pid ReplyPid => Processes.ReplyPid;

    /// <summary>Starts a node: binds its listener, registers its name, and begins accepting links.</summary>
    /// <exception cref="SocketException">The listen port is taken.</exception>
    /// <exception cref="Tls.LinkTlsException">With <see cref="NodeOptions.Tls"/>, the node's certificate does not name it.</exception>
    public static async Task<Node> StartAsync(NodeOptions options, ILoggerFactory? loggerFactory = null, DistributionMetrics? metrics = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Tls?.CheckNames(options.Name);
        var listener = new Socket(options.ListenAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(options.ListenAddress, options.ListenPort));
            listener.Listen(256);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        var node = new Node(options, listener, loggerFactory ?? NullLoggerFactory.Instance, metrics ?? new DistributionMetrics());
        try
        {
            node._registration = await options.Directory.RegisterAsync(node.Name, node.ListenEndPoint.Port, cancellationToken);
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }

        node.Links.Start(listener, node.HandlerFor);
        DistributionLog.NodeStarted(node.Logger, node.Name.ToString(), node.Creation, node.ListenEndPoint);
        return node;
    }

    /// <summary>Fails the links' overdue requests (for the <see cref="RequestSweeper"/>); answers the earliest deadline left.</summary>
    private long ExpireRequests(long now) => Links.ExpireRequests(now);

    /// <summary>Stops the node: unregisters it, closes the listener and every link.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync();
        await _ticker.DisposeAsync();
        _sweeper.Dispose();
        _listener.Dispose();
        var stopped = Links.StopAsync();
        if (_registration is not null)
        {
            await _registration.DisposeAsync();
        }

        await stopped;
        _stopping.Dispose();
        DistributionLog.NodeStopped(Logger, Name.ToString());
    }

    /// <summary>Sets up a link to <paramref name="node"/> unless there is one (Erlang's <c>Node.connect</c>); it tries even a node known to be unreachable.</summary>
    /// <returns><see langword="true"/> when a link is up (always for this node itself).</returns>
    public async Task<bool> ConnectAsync(NodeName node, CancellationToken cancellationToken = default)
    {
        if (node == Name)
        {
            return true;
        }

        try
        {
            await Links.ConnectAsync(node, cancellationToken);
            return true;
        }
        catch (RpcException)
        {
            return false;
        }
    }

    /// <summary>The links that are up, hidden ones included, with what each has queued (the shell's <c>info</c>).</summary>
    public IReadOnlyList<LinkStatus> LinkStatuses() => Links.Statuses();

    /// <summary>Closes the link to <paramref name="node"/> (Erlang's <c>Node.disconnect</c>); it comes back on next use.</summary>
    /// <returns><see langword="false"/> when there was no link.</returns>
    public bool Disconnect(NodeName node) => Links.Disconnect(node);

    /// <summary>Tries to link to <paramref name="node"/>: <see cref="PingResult.Pong"/> when it answers, else <see cref="PingResult.Pang"/>.</summary>
    public async Task<PingResult> PingAsync(NodeName node, CancellationToken cancellationToken = default) =>
        await ConnectAsync(node, cancellationToken) ? PingResult.Pong : PingResult.Pang;

    /// <summary>
    /// Runs <paramref name="module"/>.<paramref name="function"/>(<paramref name="args"/>) on
    /// <paramref name="node"/> and returns its value (Erlang's <c>:erpc.call</c>). The callee runs
    /// it in its own work item, off the link; a call to this node itself runs directly.
    /// </summary>
    /// <param name="node">Where to run it.</param>
    /// <param name="module">The exported module, such as <c>Kernel</c>.</param>
    /// <param name="function">The exported function, such as <c>Node</c>.</param>
    /// <param name="args">The arguments: terms that can cross the wire.</param>
    /// <param name="timeout">How long to wait for the reply, from this call on (setting up a link included); <see cref="NodeOptions.CallTimeout"/> when omitted.</param>
    /// <param name="cancellationToken">Abandons the wait (the call may still run).</param>
    /// <exception cref="RpcException">
    /// <see cref="RpcFailure.Exception"/> when the function threw (remote type, message and node),
    /// <see cref="RpcFailure.Undefined"/> when the node does not export it, <see cref="RpcFailure.BadArg"/>
    /// when the arguments do not fit, <see cref="RpcFailure.Timeout"/> and
    /// <see cref="RpcFailure.NoConnection"/> when no reply came (the function may or may not have run);
    /// a node that cannot be reached fails within <see cref="NodeOptions.HandshakeTimeout"/>.
    /// </exception>
    public Task<object?> CallAsync(NodeName node, string module, string function, object?[] args, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        CallOnLinkAsync(node, module, function, args, timeout, inlineContinuation: false, cancellationToken);

    /// <summary>
    /// <see cref="CallAsync"/> for a caller whose continuation is short and never blocks: it runs
    /// inline where the reply is read, on the link's read loop, as an inline export does, instead of
    /// on the thread pool. The requests it makes go out in the same write as the others made while
    /// that read is handled. Its own request is written on the calling thread (unless a write is
    /// under way), not from the thread pool: for a caller on a socket's loop, which would otherwise
    /// wake a pool thread per request. kv's router uses it for the commands of text clients, whose
    /// continuation writes their replies (measured: +10-20% routed commands per second, and +13% more
    /// at 64 clients for the write on the calling thread). A continuation that blocks stalls the
    /// link, its ticks included: use <see cref="CallAsync"/>.
    /// </summary>
    /// <inheritdoc cref="CallAsync" path="/param"/>
    /// <inheritdoc cref="CallAsync" path="/exception"/>
    public Task<object?> CallInlineAsync(NodeName node, string module, string function, object?[] args, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        CallOnLinkAsync(node, module, function, args, timeout, inlineContinuation: true, cancellationToken);

    private Task<object?> CallOnLinkAsync(NodeName node, string module, string function, object?[] args, TimeSpan? timeout, bool inlineContinuation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (node == Name)
        {
            return Invoker.CallAsync(module, function, args);
        }

        // The timeout counts from now, whether a link is up or must first be set up.
        var deadline = Deadline.After(timeout ?? Options.CallTimeout);
        return Links.CallAsync(node, module, function, args, ConsoleForwarding.CurrentGroupLeader ?? GroupLeader, deadline, inlineContinuation, cancellationToken);
    }

    /// <summary>A new reference, unique across nodes and incarnations.</summary>
    public Ref MakeRef() => Processes.MakeRef();

    /// <summary>Starts a process on this node running <paramref name="body"/>, outside any other process.</summary>
    public Pid Spawn(Func<ProcessContext, Task> body) => Spawner.Spawn(body, GroupLeader, linkTo: null, monitor: null);

    /// <summary>Starts a process on <paramref name="node"/> (this one or another) running an exported function, from outside any process.</summary>
    /// <exception cref="RpcException">The node cannot be reached, or does not export the function.</exception>
    public Task<Pid> SpawnAsync(NodeName node, string module, string function, object?[] args, CancellationToken cancellationToken = default) =>
        Spawner.SpawnAsync(node, module, function, args, caller: null, ConsoleForwarding.CurrentGroupLeader ?? GroupLeader, link: false, monitor: null, cancellationToken);

    /// <summary>Completes with <paramref name="pid"/>'s exit reason when it ends (at once with <c>noproc</c> when it does not exist).</summary>
    /// <exception cref="ExitException">With <see cref="Exits.Timeout"/> when it is still running after <paramref name="timeout"/>.</exception>
    public async Task<object?> WhenExitedAsync(Pid pid, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var tag = MakeRef();
        var down = Replies.Expect(tag, pid.Node);
        Processes.MonitorForReply(pid, tag);
        try
        {
            await down.WaitAsync(timeout, cancellationToken);
            return null;
        }
        catch (ExitException exit)
        {
            return exit.Reason;
        }
        catch (TimeoutException)
        {
            Replies.Forget(tag);
            Processes.DemonitorForReply(pid, tag);
            throw new ExitException(Exits.Timeout);
        }
    }

    /// <summary>Completes once the console group leader has written all output it had received before the call.</summary>
    public async Task FlushConsoleAsync(TimeSpan timeout)
    {
        var tag = MakeRef();
        var done = Replies.Expect(tag, Name);
        Send(GroupLeader, new object?[] { ConsoleGroupLeader.IoSync, ReplyPid, tag });
        try
        {
            await done.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            Replies.Forget(tag);
        }
    }

    /// <summary>
    /// Sends <paramref name="message"/> to <paramref name="to"/>, on any node. Never throws and never
    /// blocks: a message to a node not linked yet waits in order for the link; one to a dead process,
    /// to an unreachable node, over a link whose queue is full (<see cref="NodeOptions.LinkMaxQueuedBytes"/>),
    /// or that cannot cross the wire is dropped (and counted in <c>kv.dist.dead_letters</c>). To wait
    /// for a busy link instead, use <see cref="SendAsync"/>.
    /// </summary>
    public void Send(Pid to, object? message) => Processes.Resolve(to).Send(to, message);

    /// <summary>
    /// Sends <paramref name="message"/> to <paramref name="to"/> as <see cref="Send(Pid, object?)"/>
    /// does, first waiting (asynchronously, never blocking a thread) while the link to its node is
    /// busy (<see cref="NodeOptions.LinkBusyBytes"/>): the way to send in bulk without outrunning the link.
    /// </summary>
    public ValueTask SendAsync(Pid to, object? message, CancellationToken cancellationToken = default)
    {
        if (to.Node == Name)
        {
            Send(to, message);
            return ValueTask.CompletedTask;
        }

        return Processes.Remote.SendAsync(to, message, cancellationToken);
    }

    /// <summary>Sends <paramref name="message"/> to the process registered as <paramref name="name"/> on <paramref name="node"/>; as <see cref="Send(Pid, object?)"/>, it never throws.</summary>
    public void Send(string name, NodeName node, object? message, Pid? from = null)
    {
        if (node != Name)
        {
            Processes.Remote.Send(name, node, message, from);
        }
        else if (Processes.TryGet(name, out var process))
        {
            process.Mailbox.Post(message);
        }
        else
        {
            Metrics.DeadLetter("noproc");
        }
    }

    /// <summary>The pid registered as <paramref name="name"/> here (Erlang's <c>Process.whereis</c>), or <see langword="null"/>.</summary>
    public Pid? WhereIs(string name) => Processes.TryGet(name, out var process) ? process.Pid : null;

    /// <summary>Registers <paramref name="pid"/>, a process of this node, as <paramref name="name"/>; the name goes when the process ends.</summary>
    /// <returns><see langword="false"/> when the name is taken or the process is not alive here.</returns>
    public bool Register(string name, Pid pid) =>
        Processes.TryGet(pid, out var process) && Processes.Register(name, process);

    /// <summary>Removes a registered name.</summary>
    public bool Unregister(string name) => Processes.Unregister(name);

    /// <inheritdoc />
    public override string ToString() => Name.ToString();

    /// <summary>Starts a process on this node for the runtime's own use (servers, tasks), with the given group leader, link and monitor.</summary>
    internal Pid SpawnLocal(Func<ProcessContext, Task> body, Pid? groupLeader, Pid? linkTo, (Ref Monitor, Pid Watcher)? monitor) =>
        Spawner.Spawn(body, groupLeader, linkTo, monitor);

    private static uint CreateCreation()
    {
        // Non-zero and different on every start, as Erlang's creation is.
        Span<byte> bytes = stackalloc byte[4];
        RandomNumberGenerator.Fill(bytes);
        return BitConverter.ToUInt32(bytes) | 1;
    }

    private void Tick() => Links.Tick(Environment.TickCount64, (long)Options.TickTime.TotalMilliseconds);

    private NodeControlHandler HandlerFor(NodeConnection connection) =>
        new(connection, Processes, Invoker, Spawner, Links, Metrics, Logger);
}

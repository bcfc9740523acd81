using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Kv.Distribution.Connections;
using Kv.Distribution.Nodes;
using Kv.Distribution.Processes;
using Kv.Distribution.Rpc;
using Kv.Distribution.Terms;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kv.Distribution;

/// <summary>
/// A running node (Erlang's <c>net_kernel</c>): its name, creation and cookie, the listener for
/// links from other nodes, the links themselves, and the functions it exports.
/// </summary>
/// <remarks>
/// Start one with <see cref="StartAsync"/>; it registers with its <see cref="NodeOptions.Directory"/>
/// so that others can find it, links to other nodes on first use (or <see cref="ConnectAsync"/>), and
/// ticks idle links so that a silent peer is declared down. Disposing it closes every link at once,
/// so peers see it leave immediately.
/// </remarks>
public sealed partial class Node : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly HandshakeIdentity _identity;
    /// <summary>How often overdue requests are failed: a timeout fires up to this much late.</summary>
    private static readonly TimeSpan s_sweepPeriod = TimeSpan.FromMilliseconds(20);

    private readonly Timer _ticker;
    private readonly Timer _sweeper;
    private readonly string _nameText;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, NodeName> _nodeNames = new(StringComparer.Ordinal);
    private IAsyncDisposable? _registration;
    private Task _acceptLoop = Task.CompletedTask;
    private int _disposed;

    private Node(NodeOptions options, Socket listener, ILoggerFactory loggerFactory, DistributionMetrics metrics)
    {
        Options = options;
        Name = options.Name;
        Creation = options.Creation ?? CreateCreation();
        Logger = loggerFactory.CreateLogger<Node>();
        Metrics = metrics;
        _listener = listener;
        _identity = new HandshakeIdentity(Name, Creation, options.Hidden, options.Cookie);
        ListenEndPoint = (IPEndPoint)listener.LocalEndPoint!;
        _nameText = Name.ToString();
        Terms.KnowNodeName(_nameText);
        Processes = new ProcessTable(_nameText, Creation);
        ReplyPid = new Pid(_nameText, 0, Creation);
        GroupLeader = SpawnLocal(RunConsoleGroupLeaderAsync, groupLeader: null, linkTo: null, monitor: null);
        Processes.Register("user", Processes.TryGet(GroupLeader, out var leader) ? leader : throw new InvalidOperationException("The group leader did not start."));
        Functions.Register("Kernel", "Node", () => _nameText, inline: true);
        Functions.Register("Kernel", "Nodes", () => ConnectedNodes.Select(n => n.ToString()).ToArray(), inline: true);
        Functions.Register("Kernel", "Creation", () => (long)Creation, inline: true);
        Functions.Register("Net", "Ping", async (string node) =>
            await PingAsync(NodeName.Parse(node), _stopping.Token) == PingResult.Pong ? "pong" : "pang");
        var tickPeriod = TimeSpan.FromTicks(Math.Max(options.TickTime.Ticks / 4, TimeSpan.TicksPerMillisecond));
        _ticker = new Timer(static state => ((Node)state!).Tick(), this, tickPeriod, tickPeriod);
        _sweeper = new Timer(static state => ((Node)state!).ExpireRequests(), this, s_sweepPeriod, s_sweepPeriod);
    }

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

    /// <summary>The functions this node exports to others.</summary>
    public FunctionRegistry Functions { get; } = new();

    /// <summary>The codec of terms on the wire; register user types here.</summary>
    public TermCodec Terms { get; } = new();

    /// <summary>The layer's instruments.</summary>
    public DistributionMetrics Metrics { get; }

    internal ILogger Logger { get; }

    /// <summary>Starts a node: binds its listener, registers its name, and begins accepting links.</summary>
    /// <exception cref="SocketException">The listen port is taken.</exception>
    public static async Task<Node> StartAsync(NodeOptions options, ILoggerFactory? loggerFactory = null, DistributionMetrics? metrics = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
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

        node._acceptLoop = node.AcceptLoopAsync();
        DistributionLog.NodeStarted(node.Logger, node.Name.ToString(), node.Creation, node.ListenEndPoint);
        return node;
    }

    /// <summary>Stops the node: unregisters it, closes the listener and every link.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync();
        await _ticker.DisposeAsync();
        await _sweeper.DisposeAsync();
        _listener.Dispose();
        foreach (var connection in _connections.Values)
        {
            connection.Close("this node stopped");
        }

        if (_registration is not null)
        {
            await _registration.DisposeAsync();
        }

        await _acceptLoop;
        _stopping.Dispose();
        DistributionLog.NodeStopped(Logger, Name.ToString());
    }

    /// <inheritdoc />
    public override string ToString() => Name.ToString();

    private static uint CreateCreation()
    {
        // Non-zero and different on every start, as Erlang's creation is.
        Span<byte> bytes = stackalloc byte[4];
        RandomNumberGenerator.Fill(bytes);
        return BitConverter.ToUInt32(bytes) | 1;
    }

    private void Tick()
    {
        var now = Environment.TickCount64;
        var tickTime = (long)Options.TickTime.TotalMilliseconds;
        foreach (var connection in _connections.Values)
        {
            connection.CheckTicks(now, tickTime);
        }
    }

    /// <summary>
    /// One timer for every request's timeout, rather than a timer per call: each pending request
    /// holds its deadline, and this fails the overdue ones.
    /// </summary>
    private void ExpireRequests()
    {
        var now = Environment.TickCount64;
        foreach (var connection in _connections.Values)
        {
            connection.ExpireRequests(now);
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException
                || (ex is SocketException && _stopping.IsCancellationRequested))
            {
                return;
            }
            catch (SocketException ex)
            {
                DistributionLog.AcceptFailed(Logger, ex);
                continue;
            }

            _ = AcceptAsync(socket);
        }
    }
}

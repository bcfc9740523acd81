using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Kv.Core.Application;
using Kv.Core.Buckets;
using Kv.Core.Routing;
using Kv.Distribution;
using Kv.Distribution.Nodes;
using Kv.Distribution.PortMapper;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Kv.Testing;

/// <summary>
/// Nodes for one test on a private port-mapper port and cookie, so that tests never meet each
/// other's nodes or a node the machine runs: node processes of the console host
/// (<see cref="StartNodeAsync"/>), kv nodes inside the test process (<see cref="StartKvNodeAsync"/>)
/// and a bare node inside the test process that talks to them (<see cref="Self"/>). Node names get a
/// suffix of this cluster's (<see cref="NameOf"/>). Disposing it stops them all. Start nothing
/// unless <see cref="DistributedEnvironment.NodesAllowed"/>: <see cref="DistributedFactAttribute"/>
/// sees to that.
/// </summary>
/// <param name="loggerFactory">Where the nodes of this process log; nowhere when null.</param>
public sealed class NodeCluster(ILoggerFactory? loggerFactory = null) : IAsyncDisposable
{
    private static readonly HashSet<int> s_handedOut = [];

    /// <summary>The cookie every node of the cluster is started with unless told otherwise.</summary>
    public const string CookieValue = "process-test-cookie";

    private readonly string _suffix = Guid.NewGuid().ToString("N")[..6];
    private readonly List<NodeProcess> _processes = [];
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly List<KvNode> _kvNodes = [];
    private readonly List<string> _files = [];
    private readonly ILoggerFactory _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
    private Node? _self;

    /// <summary>The private port mapper's port (<c>KV_PORTMAPPER_PORT</c> of the node processes): the first node started hosts it.</summary>
    public int PortMapperPort { get; } = FreePort();

    /// <summary>What processes spawned from <see cref="Self"/> printed, wherever they ran.</summary>
    public StringWriter SelfConsole { get; } = new();

    /// <summary>The bare node of this process, once <see cref="StartSelfAsync"/> has run.</summary>
    public Node Self => _self ?? throw new InvalidOperationException("Not started.");

    /// <summary>The node processes started so far.</summary>
    public IReadOnlyList<NodeProcess> Processes => _processes;

    /// <summary>Starts <see cref="Self"/>, <c>tester-SUFFIX</c>: a node of this process with no kv application, to talk to the others.</summary>
    public async Task StartSelfAsync()
    {
        _self = await Node.StartAsync(NodeOptionsFor("tester", TextWriter.Synchronized(SelfConsole)), _loggerFactory, cancellationToken: TestContext.Current.CancellationToken);
    }

    /// <summary>
    /// Starts a kv node in this process, set up as the console host sets up its own
    /// (<see cref="KvNode.StartAsync"/>), on the cluster's port mapper and cookie.
    /// </summary>
    /// <param name="name">The node's name before the suffix, such as <c>foo</c>.</param>
    /// <param name="nodesFile">The routing table's file (<see cref="WriteNodesFile"/>); every bucket is local when null.</param>
    /// <param name="modules">One's own modules to export (static <c>[Export]</c> methods).</param>
    public async Task<KvNode> StartKvNodeAsync(string name, string? nodesFile = null, params Type[] modules)
    {
        var table = nodesFile is null ? RoutingTable.Local : NodesFile.Load(nodesFile).Table;
        var node = await KvNode.StartAsync(
            new KvNodeOptions
            {
                Node = NodeOptionsFor(name, TextWriter.Null),
                Router = new Router(table, new BucketRegistry()),
                Modules = modules,

                // Console.Out belongs to the test runner and to every test of the process.
                ForwardConsole = false,
            },
            _loggerFactory,
            cancellationToken: TestContext.Current.CancellationToken);
        _kvNodes.Add(node);
        return node;
    }

    /// <summary>The full name of this cluster's node <paramref name="name"/>: <c>NAME-SUFFIX@</c>this host's short name.</summary>
    /// <param name="name">The node's name before the suffix, such as <c>foo</c>.</param>
    public NodeName NameOf(string name) => NodeName.Parse($"{name}-{_suffix}");

    /// <summary>Writes a nodes.json like the default one (a–m on foo, n–z on bar) naming this cluster's nodes; returns its path.</summary>
    public string WriteNodesFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"kv-nodes-{_suffix}.json");
        File.WriteAllText(path, $$"""
            {
              "routing": [
                { "first": "a", "last": "m", "node": "{{NameOf("foo").Name}}" },
                { "first": "n", "last": "z", "node": "{{NameOf("bar").Name}}" }
              ],
              "nodes": { "{{NameOf("foo").Name}}": {}, "{{NameOf("bar").Name}}": {} }
            }
            """);
        _files.Add(path);
        return path;
    }

    /// <summary>Starts <c>Kv.Server --sname NAME-SUFFIX</c> and waits until its TCP server listens.</summary>
    /// <param name="name">The node's name before the suffix, such as <c>bar</c>.</param>
    /// <param name="cookie">Its cookie.</param>
    /// <param name="extra">More arguments, such as <c>--nodes PATH</c>.</param>
    public async Task<(NodeName Name, NodeProcess Process)> StartNodeAsync(string name, string cookie = CookieValue, params string[] extra)
    {
        var (node, process, _) = await StartServingNodeAsync(name, cookie, extra);
        return (node, process);
    }

    /// <summary>Starts a node like <see cref="StartNodeAsync"/> and returns its TCP server's loopback endpoint too.</summary>
    /// <param name="name">The node's name before the suffix, such as <c>bar</c>.</param>
    /// <param name="cookie">Its cookie.</param>
    /// <param name="extra">More arguments, such as <c>--nodes PATH</c>.</param>
    public async Task<(NodeName Name, NodeProcess Process, IPEndPoint Server)> StartServingNodeAsync(string name, string cookie = CookieValue, params string[] extra)
    {
        var process = StartProcess(name, cookie, ["--port", "0", "--bind", "127.0.0.1", .. extra]);
        var port = await process.WaitForListeningPortAsync();
        return (NameOf(name), process, new IPEndPoint(IPAddress.Loopback, port));
    }

    /// <summary>Starts <c>Kv.Server --sname NAME-SUFFIX</c> with other arguments (such as <c>--eval</c>) and does not wait.</summary>
    /// <param name="name">The node's name before the suffix, such as <c>bar</c>.</param>
    /// <param name="cookie">Its cookie.</param>
    /// <param name="args">More arguments.</param>
    public NodeProcess StartProcess(string name, string cookie, string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        return StartProcess(["--sname", NameOf(name).Name, "--cookie", cookie, .. args]);
    }

    /// <summary>Starts <c>Kv.Server</c> on this cluster's port mapper with exactly <paramref name="args"/> (a name given there with <c>--name</c>, say) and does not wait.</summary>
    public NodeProcess StartProcess(string[] args)
    {
        var process = NodeProcess.Start(
            new Dictionary<string, string> { [PortMapperOptions.PortVariable] = PortMapperPort.ToString(CultureInfo.InvariantCulture) },
            args);
        _processes.Add(process);
        return process;
    }

    /// <summary>Makes <paramref name="resource"/> (a process of the test's own kind, say) the cluster's to dispose, before its node processes.</summary>
    /// <returns><paramref name="resource"/>.</returns>
    public T Own<T>(T resource)
        where T : IAsyncDisposable
    {
        _owned.Add(resource);
        return resource;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }

        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        foreach (var node in _kvNodes)
        {
            await node.DisposeAsync();
        }

        if (_self is not null)
        {
            await _self.DisposeAsync();
        }

        foreach (var file in _files)
        {
            File.Delete(file);
        }

        SelfConsole.Dispose();
    }

    private NodeOptions NodeOptionsFor(string name, TextWriter console) => new()
    {
        Name = NameOf(name),
        Cookie = CookieValue,
        Directory = new PortMapperDirectory(new PortMapperOptions { Port = PortMapperPort }, _loggerFactory),
        ListenAddress = IPAddress.Loopback,
        Console = console,
    };

    /// <summary>
    /// A TCP port free on loopback now, below the system's ephemeral range and never handed out
    /// before in this process. The system's own pick (port 0) was handed straight back to the next
    /// socket bound to port 0 by a test running beside (a listener that never answers, once), before
    /// the port mapper meant for it could listen; below the ephemeral range only this method picks.
    /// Another program may still take it before it is used.
    /// </summary>
    public static int FreePort()
    {
        var ephemeralLow = EphemeralLow();
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var port = Random.Shared.Next(10_000, ephemeralLow);
            lock (s_handedOut)
            {
                if (!s_handedOut.Add(port))
                {
                    continue;
                }
            }

            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                probe.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // In use: another.
            }
        }

        using var fallback = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        fallback.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)fallback.LocalEndPoint!).Port;
    }

    /// <summary>The lowest port the system hands out for port 0 (Linux's <c>ip_local_port_range</c>; 32768 elsewhere).</summary>
    private static int EphemeralLow()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return Math.Max(10_001, int.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 32_768;
        }
    }
}

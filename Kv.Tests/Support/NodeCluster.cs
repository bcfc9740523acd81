using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Kv.Distribution;
using Kv.Distribution.Nodes;
using Kv.Distribution.PortMapper;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Kv.Tests.Support;

/// <summary>
/// Node processes of the console host for one test class, on a private port-mapper port and
/// cookie, plus a node inside the test process (<see cref="Self"/>) that talks to them. Nothing is
/// started unless <see cref="DistributedEnvironment.NodesAllowed"/>.
/// </summary>
internal sealed class NodeCluster : IAsyncDisposable
{
    public const string CookieValue = "process-test-cookie";

    private readonly string _suffix = Guid.NewGuid().ToString("N")[..6];
    private readonly List<NodeProcess> _processes = [];
    private readonly List<TerminalProcess> _terminals = [];
    private readonly List<string> _files = [];
    private Node? _self;

    public int PortMapperPort { get; } = FreePort();

    public NodeCluster() => LoggerFactory = FakeLogging.CreateFactory(Logs);

    /// <summary>What <see cref="Self"/> and its port-mapper client logged, at every level.</summary>
    public FakeLogCollector Logs { get; } = new();

    /// <summary>The logger factory of <see cref="Self"/>, recording into <see cref="Logs"/>.</summary>
    public ILoggerFactory LoggerFactory { get; }

    public StringWriter SelfConsole { get; } = new();

    public Node Self => _self ?? throw new InvalidOperationException("Not started.");

    public IReadOnlyList<NodeProcess> Processes => _processes;

    public async Task StartSelfAsync()
    {
        var directory = new PortMapperDirectory(new PortMapperOptions { Port = PortMapperPort }, LoggerFactory);
        _self = await Node.StartAsync(
            new NodeOptions
            {
                Name = NameOf("tester"),
                Cookie = CookieValue,
                Directory = directory,
                ListenAddress = IPAddress.Loopback,
                Console = TextWriter.Synchronized(SelfConsole),
            },
            LoggerFactory,
            cancellationToken: TestContext.Current.CancellationToken);
    }

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

    /// <summary>Starts <c>Kv.Server --sname NAME</c> and waits until its TCP server listens.</summary>
    public async Task<(NodeName Name, NodeProcess Process)> StartNodeAsync(string name, string cookie = CookieValue, params string[] extra)
    {
        var (node, process, _) = await StartServingNodeAsync(name, cookie, extra);
        return (node, process);
    }

    /// <summary>Starts a node like <see cref="StartNodeAsync"/> and returns its TCP server's loopback endpoint too.</summary>
    public async Task<(NodeName Name, NodeProcess Process, IPEndPoint Server)> StartServingNodeAsync(string name, string cookie = CookieValue, params string[] extra)
    {
        var process = StartProcess(name, cookie, ["--port", "0", "--bind", "127.0.0.1", .. extra]);
        var port = await process.WaitForListeningPortAsync();
        return (NameOf(name), process, new IPEndPoint(IPAddress.Loopback, port));
    }

    /// <summary>Starts <c>Kv.Server --sname NAME</c> with other arguments (such as <c>--eval</c>) and does not wait.</summary>
    public NodeProcess StartProcess(string name, string cookie, string[] args) =>
        StartProcess(["--sname", NameOf(name).Name, "--cookie", cookie, .. args]);

    /// <summary>Starts <c>Kv.Server</c> on this cluster's port mapper with exactly <paramref name="args"/> (a name given there with <c>--name</c>, say) and does not wait.</summary>
    public NodeProcess StartProcess(string[] args)
    {
        var process = NodeProcess.Start(
            new Dictionary<string, string> { [PortMapperOptions.PortVariable] = PortMapperPort.ToString(CultureInfo.InvariantCulture) },
            args);
        _processes.Add(process);
        return process;
    }

    /// <summary>Starts <c>Kv.Server --sname NAME</c> with other arguments in a pseudo-terminal of its own, as a person at a terminal does.</summary>
    public TerminalProcess StartTerminal(string name, string cookie, string[] args)
    {
        var terminal = TerminalProcess.Start(
            new Dictionary<string, string> { [PortMapperOptions.PortVariable] = PortMapperPort.ToString(CultureInfo.InvariantCulture) },
            ["--sname", NameOf(name).Name, "--cookie", cookie, .. args]);
        _terminals.Add(terminal);
        return terminal;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var terminal in _terminals)
        {
            await terminal.DisposeAsync();
        }

        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        if (_self is not null)
        {
            await _self.DisposeAsync();
        }

        foreach (var file in _files)
        {
            File.Delete(file);
        }

        LoggerFactory.Dispose();
    }

    public static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}

using System.Globalization;
using System.Text.RegularExpressions;

namespace Kv.Tests.Support;

/// <summary>
/// kv nodes on the hosts of a <see cref="VirtualHosts"/> network, as on separate machines: each node
/// is <c>Kv.Server --name HOST@ADDRESS</c> in its host's namespace, with that host's own port mapper
/// on the default port 4370 and its text server on 4040; all share one cookie (<c>--cookie</c>) and
/// one nodes file with full names, a–m on <c>foo</c> and n–z on <c>bar</c>, as the README's.
/// </summary>
internal sealed class MultiHostCluster : IAsyncDisposable
{
    public const string Cookie = "multihost-test-cookie";

    /// <summary>The text server's port on every host (each host has its own ports).</summary>
    public const int TextPort = 4040;

    /// <summary>The tick time the nodes run with unless a test says otherwise: short, so that a dead link is noticed within seconds.</summary>
    public static readonly TimeSpan TickTime = TimeSpan.FromSeconds(2);

    /// <summary>The longest a routed command may take: the console host's call and handshake timeouts (<c>NodeOptions</c>' defaults, 5 s), plus a margin for a loaded machine.</summary>
    public static readonly TimeSpan RequestDeadline = TimeSpan.FromSeconds(7);

    private readonly List<NodeProcess> _processes = [];
    private readonly string _nodesFile;

    private MultiHostCluster(VirtualHosts network, string nodesFile)
    {
        Network = network;
        _nodesFile = nodesFile;
    }

    public VirtualHosts Network { get; }

    /// <summary>Makes the hosts <paramref name="hosts"/> (which must include <c>foo</c> and <c>bar</c>) and writes the nodes file; starts no node.</summary>
    public static async Task<MultiHostCluster> CreateAsync(params string[] hosts)
    {
        var network = await VirtualHosts.CreateAsync(hosts);
        var path = Path.Combine(Path.GetTempPath(), $"kv-multihost-{network.Subnet}-{Guid.NewGuid().ToString("N")[..6]}.json");
        var cluster = new MultiHostCluster(network, path);
        await File.WriteAllTextAsync(path, $$"""
            {
              "routing": [
                { "first": "a", "last": "m", "node": "{{cluster.NameOf("foo")}}" },
                { "first": "n", "last": "z", "node": "{{cluster.NameOf("bar")}}" }
              ],
              "nodes": { "{{cluster.NameOf("foo")}}": {}, "{{cluster.NameOf("bar")}}": {} }
            }
            """);
        return cluster;
    }

    /// <summary>The full name of the node named after <paramref name="host"/>: <c>foo@10.77.N.1</c>.</summary>
    public string NameOf(string host, string? node = null) => $"{node ?? host}@{Network[host].Address}";

    /// <summary>
    /// Starts the node of <paramref name="host"/> with its text server and waits until it listens.
    /// The text server runs with <c>--protected-mode no</c>: the test process reaches it from the
    /// test network's address, another host to the node, and these nodes have no password.
    /// </summary>
    public async Task<NodeProcess> StartNodeAsync(string host, TimeSpan? tickTime = null, params string[] extra)
    {
        var seconds = (tickTime ?? TickTime).TotalSeconds.ToString(CultureInfo.InvariantCulture);
        var process = Start(host, ["--name", NameOf(host), "--cookie", Cookie, "--nodes", _nodesFile, "--port", $"{TextPort}", "--tick-time", seconds, "--protected-mode", "no", .. extra]);
        await process.WaitForListeningPortAsync();
        return process;
    }

    /// <summary>Starts <c>foo</c> and <c>bar</c> together (each takes a second or two to start) and waits for both.</summary>
    public async Task<(NodeProcess Foo, NodeProcess Bar)> StartFooAndBarAsync(TimeSpan? tickTime = null)
    {
        var foo = StartNodeAsync("foo", tickTime);
        var bar = StartNodeAsync("bar", tickTime);
        return (await foo, await bar);
    }

    /// <summary>Starts a short-lived node <c>NODE@HOST</c> that runs the shell's <paramref name="commands"/> and exits (<c>--eval</c>).</summary>
    public NodeProcess StartEval(string host, string node, string commands) =>
        Start(host, ["--name", NameOf(host, node), "--cookie", Cookie, "--nodes", _nodesFile, "--eval", commands]);

    /// <summary>Connects a text client from the test process to the text server of <paramref name="host"/>.</summary>
    public Task<TextClient> ConnectAsync(string host) => Network.ConnectClientAsync(host, TextPort);

    /// <summary>The line a node logs when it declares its link to <paramref name="peer"/> down.</summary>
    public Regex LinkDownLine(string peer) => new($"Link to {Regex.Escape(NameOf(peer))} down");

    /// <summary>The line a node logs when its link to <paramref name="peer"/> is up.</summary>
    public Regex LinkUpLine(string peer) => new($"Link to {Regex.Escape(NameOf(peer))} up");

    public async ValueTask DisposeAsync()
    {
        try
        {
            foreach (var process in _processes)
            {
                await process.DisposeAsync();
            }

            File.Delete(_nodesFile);
        }
        finally
        {
            await Network.DisposeAsync();
        }
    }

    private NodeProcess Start(string host, string[] args)
    {
        var process = Network.StartNode(host, args);
        _processes.Add(process);
        return process;
    }
}

using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Kv.Tests.Support;

/// <summary>One "machine" of a <see cref="VirtualHosts"/> network: a network namespace with one address.</summary>
/// <param name="Name">The test's name for it (<c>foo</c>, <c>bar</c>, ...).</param>
/// <param name="Namespace">The network namespace (<c>ip netns</c>) it is.</param>
/// <param name="Address">Its address on the test network: other hosts and the test process reach it there.</param>
internal sealed record VirtualHost(string Name, string Namespace, IPAddress Address)
{
    /// <summary>Its one network interface, the namespace's end of its veth pair.</summary>
    public const string Interface = "eth0";

    public override string ToString() => $"{Name} ({Address}, netns {Namespace})";
}

/// <summary>
/// A private network of a few hosts for one test, each a Linux network namespace with its own
/// loopback, ports and port mapper, so that node processes started in them are on different
/// "machines" as far as they can tell. Faults are made in the hosts' own namespaces: a cut link or a
/// black-holed host with nftables drop rules (packets vanish, nothing answers), a slow link with
/// tc's token bucket filter, a frozen node with SIGSTOP (on its <see cref="NodeProcess"/>).
/// </summary>
/// <remarks>
/// <para>
/// <b>Shape.</b> A fourth namespace, the hub, holds a bridge (a switch); every host has one veth pair
/// into it, and so does the test process's own namespace. All are on one /24, 10.77.N.0/24: host i
/// is 10.77.N.(i+1), the test process is 10.77.N.254. One segment rather than a /30 per pair because
/// a node's name carries one address (<c>foo@10.77.N.1</c>) that every other host must reach, and its
/// port mapper is looked up at that address: with point-to-point links each host would have one
/// address per peer and routes between them to keep. The bridge itself never drops anything; faults
/// live in the hosts, so the hub needs no rules.
/// </para>
/// <para>
/// <b>The test process on the network.</b> Text clients of the tests run in the test process itself,
/// which has a veth into the bridge (<c>kvtN</c>, 10.77.N.254): a test connects to <c>10.77.N.1:4040</c>
/// as a client on another machine would. <see cref="ConnectClientAsync"/> binds the client's socket
/// to that address, so a connection can only leave through the test network: if the network were
/// gone, the bind would fail instead of the packets following the default route. Cutting two hosts
/// apart leaves the test process's view of each intact, so it can watch both sides of a partition.
/// </para>
/// <para>
/// <b>Unique per test, even across test runs.</b> Namespaces are named
/// <c>kvt-PID-ID-HOST</c> (PID: this test process). N is claimed by creating the test process's
/// interface <c>kvtN</c>: interface names are unique in a namespace, so two runs can never take the
/// same subnet; N is also skipped when the machine already routes 10.77.N.0/24.
/// </para>
/// <para>
/// <b>Clean-up.</b> Dispose kills every process left in the namespaces and deletes them (which
/// deletes the veth pairs, and with them <c>kvtN</c>), also after a failed test. A test process that
/// died without disposing leaves namespaces named with its PID: the first <see cref="CreateAsync"/> of
/// any later run deletes those whose PID is no longer running, processes and all.
/// </para>
/// </remarks>
internal sealed partial class VirtualHosts : IAsyncDisposable
{
    /// <summary>What every namespace of these tests is named with.</summary>
    public const string Prefix = "kvt-";

    private const string Table = "kvtest";

    private static readonly SemaphoreSlim s_leftovers = new(1, 1);
    private static bool s_leftoversRemoved;

    private readonly string _hub;
    private readonly List<string> _namespaces = [];
    private readonly Dictionary<string, VirtualHost> _hosts = new(StringComparer.Ordinal);

    private VirtualHosts(string id) => _hub = $"{id}-hub";

    /// <summary>The subnet's third byte: the hosts are 10.77.<see cref="Subnet"/>.x.</summary>
    public int Subnet { get; private set; }

    /// <summary>The test process's own address on the test network.</summary>
    public IPAddress TesterAddress => Address(254);

    public IReadOnlyCollection<VirtualHost> Hosts => _hosts.Values;

    public VirtualHost this[string name] => _hosts[name];

    /// <summary>Makes the namespaces <paramref name="names"/>, joined on one bridge with the test process.</summary>
    public static async Task<VirtualHosts> CreateAsync(params string[] names)
    {
        await RemoveLeftoversAsync();
        var id = $"{Prefix}{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";
        var network = new VirtualHosts(id);
        try
        {
            await network.AddNamespaceAsync(network._hub);
            await network.ClaimSubnetAsync();
            await Ip("-n", network._hub, "link", "add", "br0", "type", "bridge");
            await Ip("-n", network._hub, "link", "set", "br0", "up");
            await Ip("-n", network._hub, "link", "set", "tester", "master", "br0", "up");

            for (var i = 0; i < names.Length; i++)
            {
                var host = new VirtualHost(names[i], $"{id}-{names[i]}", network.Address(i + 1));
                await network.AddHostAsync(host, $"port{i}");
            }

            return network;
        }
        catch
        {
            await network.DisposeAsync();
            throw;
        }
    }

    /// <summary>The command line prefix that runs a program inside <paramref name="host"/>.</summary>
    public string[] ExecPrefix(string host) => [HostCommand.Require("ip"), "netns", "exec", _hosts[host].Namespace];

    /// <summary>Starts a <c>Kv.Server</c> process inside <paramref name="host"/>.</summary>
    public NodeProcess StartNode(string host, params string[] args) => NodeProcess.StartUnder(ExecPrefix(host), new Dictionary<string, string>(), args);

    /// <summary>Connects a text client from the test process to <paramref name="port"/> on <paramref name="host"/>.</summary>
    public Task<TextClient> ConnectClientAsync(string host, int port) =>
        TextClient.ConnectAsync(new IPEndPoint(_hosts[host].Address, port), new IPEndPoint(TesterAddress, 0));

    /// <summary>Cuts <paramref name="a"/> and <paramref name="b"/> apart: from now on every packet between them is dropped, both ways, with no answer.</summary>
    public async Task CutAsync(string a, string b)
    {
        await Nft(a, "add", "element", "inet", Table, "cut", $"{{ {_hosts[b].Address} }}");
        await Nft(b, "add", "element", "inet", Table, "cut", $"{{ {_hosts[a].Address} }}");
    }

    /// <summary>Undoes <see cref="CutAsync"/>: packets between them flow again (open connections resume).</summary>
    public async Task HealAsync(string a, string b)
    {
        await Nft(a, "delete", "element", "inet", Table, "cut", $"{{ {_hosts[b].Address} }}");
        await Nft(b, "delete", "element", "inet", Table, "cut", $"{{ {_hosts[a].Address} }}");
    }

    /// <summary>Drops every packet into and out of <paramref name="host"/>'s interface: the host vanishes without a reset or an ICMP error.</summary>
    public Task BlackHoleAsync(string host) => Nft(host, "add", "element", "inet", Table, "dead", $"{{ {VirtualHost.Interface} }}");

    /// <summary>Undoes <see cref="BlackHoleAsync"/>.</summary>
    public Task RestoreAsync(string host) => Nft(host, "delete", "element", "inet", Table, "dead", $"{{ {VirtualHost.Interface} }}");

    /// <summary>Drops every TCP packet to or from <paramref name="port"/> on <paramref name="host"/> (either end of a connection), both ways, except on its loopback.</summary>
    public Task BlockPortAsync(string host, int port) =>
        Nft(host, "add", "element", "inet", Table, "ports", $"{{ {port.ToString(CultureInfo.InvariantCulture)} }}");

    /// <summary>Limits what <paramref name="host"/> sends to <paramref name="rate"/> (tc's notation, e.g. <c>1mbit</c>) with a token bucket filter.</summary>
    public Task SlowAsync(string host, string rate) =>
        HostCommand.RunAsync("tc", ["-n", _hosts[host].Namespace, "qdisc", "replace", "dev", VirtualHost.Interface, "root", "tbf", "rate", rate, "burst", "32kbit", "latency", "400ms"]);

    public async ValueTask DisposeAsync()
    {
        var failures = new List<Exception>();
        foreach (var name in Enumerable.Reverse(_namespaces))
        {
            try
            {
                await DeleteNamespaceAsync(name);
            }
            catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
            {
                failures.Add(ex);
            }
        }

        if (failures.Count > 0)
        {
            throw new AggregateException("The test network was not wholly removed (the next run removes what is left).", failures);
        }
    }

    private IPAddress Address(int host) => IPAddress.Parse($"10.77.{Subnet}.{host}");

    private async Task AddNamespaceAsync(string name)
    {
        await Ip("netns", "add", name);
        _namespaces.Add(name);
        await Ip("-n", name, "link", "set", "lo", "up");
    }

    /// <summary>
    /// Takes a free 10.77.N.0/24 by creating the veth pair between the hub and the test process, whose
    /// end here is named after N (<c>kvtN</c>): creating it fails when another test, of this run or any
    /// other, has N already.
    /// </summary>
    private async Task ClaimSubnetAsync()
    {
        var routed = (await Ip("-4", "-o", "route", "show")) + (await Ip("-4", "-o", "addr", "show"));
        var start = Random.Shared.Next(1, 254);
        for (var i = 0; i < 253; i++)
        {
            var n = ((start + i - 1) % 253) + 1;
            if (routed.Contains($"10.77.{n}.", StringComparison.Ordinal))
            {
                continue;
            }

            var made = await HostCommand.TryRunAsync(
                "ip",
                ["-n", _hub, "link", "add", "tester", "type", "veth", "peer", "name", $"kvt{n}", "netns", Environment.ProcessId.ToString(CultureInfo.InvariantCulture)]);
            if (made.ExitCode != 0)
            {
                // kvtN exists: another test network has N. Any other failure is this machine's.
                if (!made.Error.Contains("exists", StringComparison.OrdinalIgnoreCase))
                {
                    throw new InvalidOperationException($"`{made.Command}` failed: {made.Error.Trim()}");
                }

                continue;
            }

            Subnet = n;
            var here = $"kvt{n}";
            await Ip("link", "set", "dev", here, "addrgenmode", "none");
            await Ip("addr", "add", $"{TesterAddress}/24", "dev", here);
            await Ip("link", "set", "dev", here, "up");
            return;
        }

        throw new InvalidOperationException("No free 10.77.N.0/24 for a test network: too many test networks at once, or leftovers (ip netns list | grep kvt-).");
    }

    private async Task AddHostAsync(VirtualHost host, string hubPort)
    {
        await AddNamespaceAsync(host.Namespace);
        _hosts.Add(host.Name, host);
        await Ip("-n", _hub, "link", "add", hubPort, "type", "veth", "peer", "name", VirtualHost.Interface, "netns", host.Namespace);
        await Ip("-n", _hub, "link", "set", hubPort, "master", "br0", "up");
        await Ip("-n", host.Namespace, "link", "set", "dev", VirtualHost.Interface, "addrgenmode", "none");
        await Ip("-n", host.Namespace, "addr", "add", $"{host.Address}/24", "dev", VirtualHost.Interface);
        await Ip("-n", host.Namespace, "link", "set", "dev", VirtualHost.Interface, "up");

        // The host's own table: sets that the fault methods fill and empty, and the rules reading them.
        await HostCommand.RunAsync("ip", ["netns", "exec", host.Namespace, HostCommand.Require("nft"), "-f", "-"], $$"""
            table inet {{Table}} {
                set cut { type ipv4_addr; }
                set dead { type ifname; }
                set ports { type inet_service; }
                chain input {
                    type filter hook input priority 0; policy accept;
                    iifname @dead drop
                    ip saddr @cut drop
                    iifname != "lo" tcp dport @ports drop
                    iifname != "lo" tcp sport @ports drop
                }
                chain output {
                    type filter hook output priority 0; policy accept;
                    oifname @dead drop
                    ip daddr @cut drop
                    oifname != "lo" tcp sport @ports drop
                    oifname != "lo" tcp dport @ports drop
                }
            }
            """);
    }

    private Task<string> Nft(string host, params string[] args) =>
        HostCommand.RunAsync("ip", ["netns", "exec", _hosts[host].Namespace, HostCommand.Require("nft"), .. args]);

    private static Task<string> Ip(params string[] args) => HostCommand.RunAsync("ip", args);

    /// <summary>Kills whatever still runs inside <paramref name="name"/> (a node, even a stopped one), then deletes it.</summary>
    private static async Task DeleteNamespaceAsync(string name)
    {
        var pids = await HostCommand.TryRunAsync("ip", ["netns", "pids", name]);
        foreach (var pid in pids.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            try
            {
                using var process = System.Diagnostics.Process.GetProcessById(int.Parse(pid, CultureInfo.InvariantCulture));
                process.Kill();
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (ArgumentException)
            {
                // Gone already.
            }
        }

        await Ip("netns", "del", name);
    }

    /// <summary>Deletes the namespaces of test processes that are gone (a run killed before it could clean up), once per run.</summary>
    private static async Task RemoveLeftoversAsync()
    {
        await s_leftovers.WaitAsync();
        try
        {
            if (s_leftoversRemoved)
            {
                return;
            }

            foreach (Match match in LeftoverNamespace().Matches(await Ip("netns", "list")))
            {
                var owner = int.Parse(match.Groups["pid"].Value, CultureInfo.InvariantCulture);
                if (owner != Environment.ProcessId && !Directory.Exists($"/proc/{owner}"))
                {
                    await DeleteNamespaceAsync(match.Groups["name"].Value);
                }
            }

            s_leftoversRemoved = true;
        }
        finally
        {
            s_leftovers.Release();
        }
    }

    [GeneratedRegex(@"^(?<name>kvt-(?<pid>\d+)-\S+)", RegexOptions.Multiline)]
    private static partial Regex LeftoverNamespace();
}

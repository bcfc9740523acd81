using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Kv.Distribution.PortMapper;
using Kv.Tests.Support;

namespace Kv.Tests.Server;

/// <summary>
/// A node process started with few file descriptors (<c>prlimit --nofile</c>): by default it serves
/// no more clients than its descriptors allow; flooded with connections on all three of its
/// listeners, it must not spin, not fill its log, not abort, and must serve again once the flood is gone.
/// </summary>
[Trait("distributed", "true")]
public sealed partial class FileDescriptorLimitTests
{
    private const int FloodLimit = 256;
    private const int SysConfClockTicks = 2;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [DistributedFact]
    public async Task FloodedAtTheLimit_TheNodeStaysCalm_AndServesOnceTheFloodIsGone()
    {
        // --max-clients far above what the descriptors allow: the limit, not max clients, is what the flood meets.
        var (node, ports) = await StartNodeAsync(FloodLimit, "--max-clients", "100000");
        await using var _ = node;
        var flood = new List<IDisposable>();
        try
        {
            var textClients = new List<TextClient>();
            for (var i = 0; i < 300; i++)
            {
                textClients.Add(await TextClient.ConnectAsync(ports.Text));
            }

            flood.AddRange(textClients.Select(client => new Disposer(client)));
            for (var i = 0; i < 50; i++)
            {
                flood.Add(await RawConnectAsync(ports.Distribution));
                flood.Add(await RawConnectAsync(ports.PortMapper));
            }

            // The last clients met the limit: told, and closed.
            Assert.Equal("ERROR max clients reached", await textClients[^1].ReadLineAsync());
            await textClients[^1].ExpectClosedAsync();

            var outputBefore = node.Output.Split('\n').Length;
            var cpuBefore = CpuSeconds(node.Id);
            await Task.Delay(TimeSpan.FromSeconds(2), Ct); // the window measured, with the flood held open
            var cpu = CpuSeconds(node.Id) - cpuBefore;
            var linesDuring = node.Output.Split('\n').Length - outputBefore;

            Assert.True(cpu < 0.5, $"the node used {cpu:F2} s of CPU in 2 s of flood. Output:\n{Tail(node.Output)}");
            Assert.True(linesDuring <= 10, $"the node logged {linesDuring} lines in 2 s of flood:\n{Tail(node.Output)}");
            var aboutDescriptors = node.Output.Split('\n').Count(line => line.Contains("file descriptors", StringComparison.Ordinal) || line.Contains("Accepting connections", StringComparison.Ordinal));
            Assert.InRange(aboutDescriptors, 1, 6);
        }
        finally
        {
            foreach (var connection in flood)
            {
                connection.Dispose();
            }
        }

        await Eventually.TrueAsync(() => ServesAsync(ports.Text), TimeSpan.FromSeconds(10), "a fresh client to be served once the flood is gone");
    }

    [DistributedFact]
    public async Task MaxClients_ByDefault_LeavesTheNodeItsFileDescriptors()
    {
        const int limit = 512;
        var (node, ports) = await StartNodeAsync(limit);
        await using var _ = node;
        var limits = await node.WaitForLineAsync(LimitsLine());
        var open = int.Parse(limits.Groups["open"].Value, CultureInfo.InvariantCulture);
        var maxClients = int.Parse(limits.Groups["max"].Value, CultureInfo.InvariantCulture);
        Assert.Equal(limit - open - 128, maxClients);
        var clients = new List<TextClient>();
        try
        {
            for (var i = 0; i < maxClients; i++)
            {
                var client = await TextClient.ConnectAsync(ports.Text);
                clients.Add(client);
                Assert.Equal("OK", await client.CommandAsync($"CREATE bucket{i}"));
            }

            await using var oneMore = await TextClient.ConnectAsync(ports.Text);
            Assert.Equal("ERROR max clients reached", await oneMore.ReadLineAsync());
            Assert.Equal("OK", await clients[0].CommandAsync("PUT bucket0 milk 1"));
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    /// <summary>A named node allowed <paramref name="limit"/> file descriptors (<c>prlimit --nofile</c>), hosting the port mapper on a port of its own.</summary>
    private static async Task<(NodeProcess Node, (IPEndPoint Text, IPEndPoint Distribution, IPEndPoint PortMapper) Ports)> StartNodeAsync(int limit, params string[] extra)
    {
        var prlimitFound = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(directory => File.Exists(Path.Combine(directory, "prlimit")));
        Assert.SkipUnless(OperatingSystem.IsLinux() && prlimitFound, "Needs Linux, and util-linux's prlimit on the PATH.");
        var portMapper = NodeCluster.FreePort();
        var node = NodeProcess.StartUnder(
            ["prlimit", $"--nofile={limit}:{limit}", "--"],
            new Dictionary<string, string> { [PortMapperOptions.PortVariable] = portMapper.ToString(CultureInfo.InvariantCulture) },
            ["--sname", $"fdlimit-{Guid.NewGuid():N}"[..15], "--cookie", "fd-limit-cookie", "--port", "0", "--bind", "127.0.0.1", .. extra]);
        var text = await node.WaitForListeningPortAsync();
        var distribution = int.Parse(DistributionLine().Match(node.Output).Groups["port"].Value, CultureInfo.InvariantCulture);
        return (node, (Loopback(text), Loopback(distribution), Loopback(portMapper)));
    }

    private static async Task<bool> ServesAsync(IPEndPoint server)
    {
        try
        {
            await using var client = await TextClient.ConnectAsync(server);
            return await client.CommandAsync("CREATE fresh") == "OK";
        }
        catch (Exception ex) when (ex is SocketException or EndOfStreamException)
        {
            return false;
        }
    }

    private static async Task<Socket> RawConnectAsync(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endPoint, Ct);
        return socket;
    }

    /// <summary>User and system CPU time of process <paramref name="pid"/> so far, from <c>/proc/PID/stat</c>.</summary>
    private static double CpuSeconds(int pid)
    {
        // "pid (comm) state ppid ...": utime and stime are the 14th and 15th fields, the 12th and 13th after the comm.
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return ticks / (double)SysConf(SysConfClockTicks);
    }

    private static IPEndPoint Loopback(int port) => new(IPAddress.Loopback, port);

    private static string Tail(string output) => string.Join('\n', output.Split('\n').TakeLast(30));

    [LibraryImport("libc", EntryPoint = "sysconf")]
    private static partial long SysConf(int name);

    [GeneratedRegex(@"distribution listening on [^\s]+:(?<port>\d+)")]
    private static partial Regex DistributionLine();

    [GeneratedRegex(@"kv serves at most (?<max>\d+) clients at once \(the default for \d+ file descriptors, (?<open>\d+) open")]
    private static partial Regex LimitsLine();

    private sealed class Disposer(TextClient client) : IDisposable
    {
        public void Dispose() => client.Abort();
    }
}

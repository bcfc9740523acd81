using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Kv.Distribution;
using Kv.Distribution.Nodes;
using Kv.Distribution.PortMapper;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kv.Benchmarks.Load;

/// <summary>
/// <c>e2e rpc|task|pingpong [--callers 1,8,64,512] [--duration 10] [--warmup 1]</c>: starts a named node
/// process on a private port-mapper port and cookie, and loads it from a node in this process:
/// <c>rpc</c> calls <c>Kernel.Node</c>, <c>task</c> runs <c>Kernel.Node</c> under its
/// <c>RouterTasks</c> supervisor and awaits it, <c>pingpong</c> bounces messages between a process
/// here and a <c>Process.Echo</c> process there (one pair per caller).
/// </summary>
internal static class NodeLoadCommand
{
    private static readonly TimeSpan s_grace = TimeSpan.FromSeconds(10);

    public static async Task<int> RunAsync(string mode, string[] args, CancellationToken cancellationToken)
    {
        var callers = ListOption(args, "--callers", [1, 8, 64, 512]);
        var duration = TimeSpan.FromSeconds(ListOption(args, "--duration", [10])[0]);
        var warmup = TimeSpan.FromSeconds(ListOption(args, "--warmup", [1])[0]);
        var tag = Guid.NewGuid().ToString("N")[..6];
        var portMapperPort = FreePort();
        var cookie = "bench-" + tag;
        var serverName = NodeName.Parse($"kvbench-server-{tag}");

        await using var server = await ServerProcess.StartAsync(
            TimeSpan.FromSeconds(30),
            cancellationToken,
            ["--sname", serverName.Name, "--cookie", cookie],
            new Dictionary<string, string> { [PortMapperOptions.PortVariable] = portMapperPort.ToString(CultureInfo.InvariantCulture) });
        var directory = new PortMapperDirectory(new PortMapperOptions { Port = portMapperPort }, NullLoggerFactory.Instance);
        await using var self = await Node.StartAsync(
            new NodeOptions { Name = NodeName.Parse($"kvbench-client-{tag}"), Cookie = cookie, Directory = directory, ListenAddress = IPAddress.Loopback },
            cancellationToken: cancellationToken);
        ILoadWorkload workload = mode switch
        {
            "rpc" => new RpcWorkload(self, serverName),
            "task" => new RemoteTaskWorkload(self, serverName),
            "pingpong" => new PingPongWorkload(self, serverName),
            _ => throw new FormatException($"unknown mode {mode}"),
        };
        Console.WriteLine($"target: {serverName} (pid {server.Id}), {mode} from {self.Name}");

        var failed = false;
        var rows = new List<string> { $"| {mode} callers | per second | p50 µs | p99 µs | errors |", "| ---: | ---: | ---: | ---: | ---: |" };
        foreach (var count in callers)
        {
            var result = await LoadRunner.RunAsync(workload, new LoadSettings(count, warmup, duration, s_grace), cancellationToken);
            Console.WriteLine(Report.RunLine(result));
            rows.Add(string.Create(CultureInfo.InvariantCulture, $"| {count} | {result.OpsPerSecond:0} | {result.P50Micros:0.0} | {result.P99Micros:0.0} | {result.Errors} |"));
            failed |= result.Errors > 0;
        }

        Console.WriteLine();
        Console.WriteLine(string.Join('\n', rows));
        return failed ? 1 : 0;
    }

    private static int[] ListOption(string[] args, string name, int[] fallback)
    {
        var at = Array.IndexOf(args, name);
        return at < 0 || at + 1 >= args.Length
            ? fallback
            : [.. args[at + 1].Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture))];
    }

    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}

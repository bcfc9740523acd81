using System.Globalization;

namespace Kv.Benchmarks.Load;

/// <summary>
/// <c>e2e rpc|routed|task|pingpong|sends [--callers 1,8,64,512] [--duration 10] [--warmup 1]</c>:
/// starts a named node process on a private port-mapper port and cookie, and loads it from a node
/// in this process: <c>rpc</c> calls <c>Kernel.Node</c>; <c>routed</c> routes <c>Kernel.Node</c>
/// through a Router whose table gives the bucket to that node; <c>task</c> runs <c>Kernel.Node</c>
/// under its <c>RouterTasks</c> supervisor and awaits it; <c>pingpong</c> bounces messages between a
/// process here and a <c>Process.Echo</c> process there (one pair per caller); <c>sends</c> streams
/// one-way messages to a <c>Process.Counter</c> there and counts what it received.
/// </summary>
internal static class NodeLoadCommand
{
    private static readonly TimeSpan s_grace = TimeSpan.FromSeconds(10);

    public static async Task<int> RunAsync(string mode, NodeLoad load, CancellationToken cancellationToken)
    {
        var (callers, duration, warmup) = (load.Callers, load.Duration, load.Warmup);
        await using var cluster = await BenchCluster.StartAsync(withFront: false, cancellationToken);
        var self = await cluster.StartSelfAsync(cancellationToken);
        var serverName = cluster.OwnerName;
        if (mode == "sends")
        {
            return await SendsCommand.RunAsync(self, serverName, callers, warmup, duration, cancellationToken);
        }

        ILoadWorkload workload = mode switch
        {
            "rpc" => new RpcWorkload(self, serverName),
            "task" => new RemoteTaskWorkload(self, serverName),
            "pingpong" => new PingPongWorkload(self, serverName),
            "routed" => new RoutedCallWorkload(self, serverName),
            _ => throw new FormatException($"unknown mode {mode}"),
        };
        Console.WriteLine($"target: {serverName} (pid {cluster.Owner.Id}), {mode} from {self.Name}");

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
}

using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Kv.Benchmarks.Load;

/// <summary>
/// <c>e2e server</c> and <c>e2e server-memory</c>: the end-to-end load of a real node over its TCP
/// text protocol. Ctrl+C or SIGTERM stops the run in progress; a server this tool started is
/// killed on every way out.
/// </summary>
internal static class E2eCommand
{
    /// <summary>How long a batch may go unanswered after the window before it counts as failed.</summary>
    private static readonly TimeSpan s_grace = TimeSpan.FromSeconds(10);

    /// <summary>The bound on a bulk load: it ends by itself even if the server stalls.</summary>
    private static readonly TimeSpan s_memoryLoadLimit = TimeSpan.FromMinutes(2);

    /// <returns>0 when every request was answered as expected, 1 on errors or failure, 2 for a wrong command line, 130 when stopped.</returns>
    public static async Task<int> RunAsync(string[] args)
    {
        using var stopping = new CancellationTokenSource();
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => Stop(context, stopping));
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => Stop(context, stopping));
        return await E2eCommandLine.RunAsync(
            args,
            options => RunStoppableAsync(() => RunTextServerAsync(options, stopping.Token), stopping),
            (mode, load) => RunStoppableAsync(() => NodeLoadCommand.RunAsync(mode, load, stopping.Token), stopping));
    }

    private static async Task<int> RunTextServerAsync(LoadOptions options, CancellationToken cancellationToken)
    {
        await using var target = await LoadTarget.AcquireAsync(options, cancellationToken);
        Console.WriteLine($"target: {target.Description}");
        return options.Mode == LoadMode.Server
            ? await RunServerAsync(options, target, cancellationToken)
            : await RunServerMemoryAsync(options, target, cancellationToken);
    }

    private static async Task<int> RunStoppableAsync(Func<Task<int>> run, CancellationTokenSource stopping)
    {
        try
        {
            return await run();
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("e2e: stopped.");
            return 130;
        }
        catch (Exception ex) when (ex is IOException or SocketException or TimeoutException or InvalidOperationException or InvalidDataException)
        {
            await Console.Error.WriteLineAsync($"e2e: {ex.Message}");
            return 1;
        }
    }

    private static async Task<int> RunServerAsync(LoadOptions options, LoadTarget target, CancellationToken cancellationToken)
    {
        var data = new KeyValueBytes(options.Keys, options.ValueSize);
        var tag = NewTag();
        var runs = new List<ServerRun>();
        var total = options.Pipelines.Count * options.Clients.Count;
        foreach (var pipeline in options.Pipelines)
        {
            foreach (var clients in options.Clients)
            {
                var before = target.ReadRssKiB();
                Console.WriteLine(
                    $"run {runs.Count + 1}/{total}: {clients} clients, pipeline {pipeline}, GET:PUT 1:1 on {options.Keys} keys per bucket, " +
                    $"{options.ValueSize}-byte values, {options.Warmup.TotalSeconds} s warmup + {options.Duration.TotalSeconds} s; server RSS idle {Report.Rss(before)}");
                var workload = new TextServerWorkload(target.EndPoint, data, pipeline, $"{tag}r{runs.Count}");
                var routerBefore = await target.ReadRouterTotalsAsync(cancellationToken);
                var result = await LoadRunner.RunAsync(
                    workload, new LoadSettings(clients, options.Warmup, options.Duration, s_grace), cancellationToken);
                var after = target.ReadRssKiB();
                PrintResult(result);
                if (routerBefore is not null && await target.ReadRouterTotalsAsync(cancellationToken) is { } routerAfter)
                {
                    // Warmup included: ratios, not rates.
                    Console.WriteLine(routerAfter.Since(routerBefore).Describe());
                }
                runs.Add(new ServerRun(result, before, after));
            }
        }

        Console.WriteLine();
        Console.Write(Report.ServerTable(runs));
        return runs.Any(run => run.Result.Errors > 0) ? 1 : 0;
    }

    private static async Task<int> RunServerMemoryAsync(LoadOptions options, LoadTarget target, CancellationToken cancellationToken)
    {
        var (clients, pipeline) = (options.Clients[0], options.Pipelines[0]);
        var data = new KeyValueBytes(options.Keys, options.ValueSize);
        var idle = target.ReadRssKiB() ?? throw new InvalidOperationException("The server's pid is not known.");
        Console.WriteLine($"server RSS idle: {Report.Rss(idle)}");
        Console.WriteLine($"loading {options.Keys} keys of {options.ValueSize} bytes into one bucket over {clients} connections, pipeline {pipeline}");

        var workload = new MemoryLoadWorkload(target.EndPoint, data, pipeline, clients, $"{NewTag()}mem");
        var result = await LoadRunner.RunAsync(
            workload, new LoadSettings(clients, TimeSpan.Zero, s_memoryLoadLimit, s_grace), cancellationToken);
        var after = target.ReadRssKiB() ?? idle;
        PrintResult(result);

        var run = new MemoryRun(result, options.Keys, options.ValueSize, idle, after);
        Console.WriteLine($"server RSS after: {Report.Rss(after)} ({Report.Rss(after - idle)} more, about {run.BytesPerKey:F0} bytes per key)");
        var complete = result.Ops >= options.Keys;
        if (!complete)
        {
            Console.WriteLine($"incomplete: {result.Ops} of {options.Keys} PUTs confirmed within {s_memoryLoadLimit.TotalSeconds} s");
        }

        Console.WriteLine();
        Console.Write(Report.MemoryTable(run));
        return complete && result.Errors == 0 ? 0 : 1;
    }

    private static void PrintResult(LoadResult result)
    {
        Console.WriteLine(Report.RunLine(result));
        foreach (var sample in result.ErrorSamples)
        {
            Console.WriteLine($"  error: {sample}");
        }
    }

    /// <summary>A prefix for this invocation's bucket names, so that it never meets buckets of another.</summary>
    private static string NewTag() => $"e2e{Environment.ProcessId:x}{Environment.TickCount64 & 0xFFFFFF:x}";

    /// <summary>The first signal stops the run cleanly; a second one ends the process at once.</summary>
    private static void Stop(PosixSignalContext context, CancellationTokenSource stopping)
    {
        if (!stopping.IsCancellationRequested)
        {
            context.Cancel = true;
            stopping.Cancel();
        }
    }
}

using BenchmarkDotNet.Running;
using Kv.Benchmarks;
using Kv.Benchmarks.Load;

// `e2e ...` runs the end-to-end load tool against a real node; anything else is BenchmarkDotNet's
// command line (--filter, --job, --list ...).
if (args.Length > 0 && args[0] == "e2e")
{
    // The load tool's own sockets complete inline too, as the node's do (Kv.Server/Program.cs): the
    // client shares the machine's 2 cores with the nodes it loads, so its overhead is theirs.
    if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
    {
        Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
    }

    // The nodes of the load tool keep a CPU awake as a node does (--busy-wait), unless KV_BUSY_WAIT
    // says otherwise for the nodes and the load tool alike.
    if (int.TryParse(Environment.GetEnvironmentVariable("KV_BUSY_WAIT"), out var busyWait))
    {
        Kv.Distribution.Support.BusyWait.Shared.Window = TimeSpan.FromMicroseconds(busyWait);
    }

    return await E2eCommand.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(CommandParserBenchmarks).Assembly).Run(args);
return 0;

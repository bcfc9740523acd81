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

    // The load tool is the client: its own nodes do not keep a CPU awake (--busy-wait), as a client
    // of the text server does not; the node processes it starts do, unless KV_BUSY_WAIT says not.
    // Two spinners on this machine's two CPUs cost rpc latency (BENCHMARKS.md, "Busy wait").
    Kv.Distribution.Support.BusyWait.Shared.Window = TimeSpan.Zero;

    return await E2eCommand.RunAsync(args[1..]);
}

// `rawtext ...` runs the raw baseline of the text server (RawText/RawTextCommand.cs).
if (args.Length > 0 && args[0] == "rawtext")
{
    if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
    {
        Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
    }

    return await Kv.Benchmarks.RawText.RawTextCommand.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(CommandParserBenchmarks).Assembly).Run(args);
return 0;

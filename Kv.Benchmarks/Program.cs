using BenchmarkDotNet.Running;
using Kv.Benchmarks;
using Kv.Benchmarks.Load;

// `e2e ...` runs the end-to-end load tool against a real node; anything else is BenchmarkDotNet's
// command line (--filter, --job, --list ...).
if (args.Length > 0 && args[0] == "e2e")
{
    return await E2eCommand.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(CommandParserBenchmarks).Assembly).Run(args);
return 0;

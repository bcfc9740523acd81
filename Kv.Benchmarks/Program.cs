using BenchmarkDotNet.Running;
using Kv.Benchmarks;

BenchmarkSwitcher.FromAssembly(typeof(CommandParserBenchmarks).Assembly).Run(args);
return 0;

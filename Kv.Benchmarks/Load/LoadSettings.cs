namespace Kv.Benchmarks.Load;

/// <summary>How long and how wide one run of a load is.</summary>
/// <param name="Connections">Concurrent connections, each with its own loop.</param>
/// <param name="Warmup">Time run but not counted, before the measured window.</param>
/// <param name="Duration">The measured window; a workload may finish earlier.</param>
/// <param name="Grace">How long past the window a batch may take before it is abandoned as failed.</param>
internal sealed record LoadSettings(int Connections, TimeSpan Warmup, TimeSpan Duration, TimeSpan Grace);

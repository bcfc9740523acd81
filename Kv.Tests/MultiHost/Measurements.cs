namespace Kv.Tests.MultiHost;

/// <summary>Prints what a fault test measured (time to the first ERROR, to recover, peak memory) to the test's output.</summary>
internal static class Measurements
{
    public static void Report(string what, TimeSpan value) => Report($"{what}: {value.TotalSeconds:0.000} s");

    public static void Report(string line) => TestContext.Current.TestOutputHelper?.WriteLine($"measured: {line}");
}

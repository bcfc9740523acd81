namespace Kv.Tests.MultiHost;

/// <summary>Prints what a fault test measured (time to the first ERROR, to recover, peak memory) to the test's output.</summary>
internal static class Measurements
{
    public static void Report(string what, TimeSpan value) => Report($"{what}: {value.TotalSeconds:0.000} s");

    /// <summary>Writes to the test's output, and appends to the file <c>KV_MEASUREMENTS</c> names when it is set (the test output of passing tests is not shown).</summary>
    public static void Report(string line)
    {
        TestContext.Current.TestOutputHelper?.WriteLine($"measured: {line}");
        if (Environment.GetEnvironmentVariable("KV_MEASUREMENTS") is { Length: > 0 } file)
        {
            File.AppendAllText(file, $"{line}{Environment.NewLine}");
        }
    }
}

using Kv.Distribution.Rpc;

namespace Kv.Tests.Distribution;

/// <summary>Functions the test nodes export.</summary>
[ExportModule("Test.Functions")]
internal static class TestFunctions
{
    [Export]
    public static long Add(long a, int b) => a + b;

    [Export]
    public static string Fail(string message) => throw new InvalidOperationException(message);

    [Export]
    public static async Task<string> Sleep(int milliseconds)
    {
        await Task.Delay(milliseconds);
        return "slept";
    }

    [Export]
    public static object? Echo(object? value) => value;

    [Export]
    public static object Unsendable() => new Version(1, 2);

    // Not exported: a remote caller must get "undefined".
    public static string Hidden() => "secret";
}

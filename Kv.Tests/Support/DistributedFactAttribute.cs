using System.Runtime.CompilerServices;

namespace Kv.Tests.Support;

/// <summary>
/// A fact that starts node processes of its own. It runs only when the environment variable
/// <c>KV_TEST_NODES=1</c> says nodes may be started (the README's test command sets it); otherwise
/// it is reported as skipped, with how to turn it on. Classes holding such facts carry
/// <c>[Trait("distributed", "true")]</c> so that a run can include, exclude or select them.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class DistributedFactAttribute : FactAttribute
{
    public DistributedFactAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
        : base(sourceFilePath, sourceLineNumber)
    {
        Skip = "Starts node processes: run with KV_TEST_NODES=1 (as the README's test command does).";
        SkipUnless = nameof(DistributedEnvironment.NodesAllowed);
        SkipType = typeof(DistributedEnvironment);
    }
}

/// <summary>Whether this test run may start node processes.</summary>
public static class DistributedEnvironment
{
    /// <summary>The environment variable that allows it.</summary>
    public const string Variable = "KV_TEST_NODES";

    public static bool NodesAllowed => Environment.GetEnvironmentVariable(Variable) is "1" or "true";
}

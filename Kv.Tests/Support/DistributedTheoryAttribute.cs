using System.Runtime.CompilerServices;

namespace Kv.Tests.Support;

/// <summary>
/// A theory that starts node processes of its own: like <see cref="DistributedFactAttribute"/>, it
/// runs only when <c>KV_TEST_NODES=1</c> and is otherwise reported as skipped, with how to turn it on.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class DistributedTheoryAttribute : TheoryAttribute
{
    public DistributedTheoryAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
        : base(sourceFilePath, sourceLineNumber)
    {
        Skip = "Starts node processes: run with KV_TEST_NODES=1 (as the README's test command does).";
        SkipUnless = nameof(DistributedEnvironment.NodesAllowed);
        SkipType = typeof(DistributedEnvironment);
    }
}

using System.Runtime.CompilerServices;
using Xunit;
using Xunit.v3;

namespace Kv.Testing;

/// <summary>
/// A theory that starts node processes of its own: like <see cref="DistributedFactAttribute"/>, it
/// runs only when <c>KV_TEST_NODES=1</c>, is otherwise reported as skipped with how to turn it on,
/// and carries the trait <c>distributed=true</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class DistributedTheoryAttribute : TheoryAttribute, ITraitAttribute
{
    /// <summary>Marks a distributed theory; the arguments are filled in by the compiler.</summary>
    /// <param name="sourceFilePath">The test's source file.</param>
    /// <param name="sourceLineNumber">The test's line.</param>
    public DistributedTheoryAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
        : base(sourceFilePath, sourceLineNumber)
    {
        Skip = DistributedEnvironment.SkipReason;
        SkipUnless = nameof(DistributedEnvironment.NodesAllowed);
        SkipType = typeof(DistributedEnvironment);
    }

    /// <inheritdoc />
    public IReadOnlyCollection<KeyValuePair<string, string>> GetTraits() => DistributedEnvironment.Traits;
}

using System.Runtime.CompilerServices;
using Xunit;
using Xunit.v3;

namespace Kv.Testing;

/// <summary>
/// A fact that starts node processes of its own: the chapter's <c>@tag :distributed</c>. It runs
/// only when the environment variable <c>KV_TEST_NODES=1</c> says nodes may be started (see
/// <see cref="DistributedEnvironment"/>); otherwise it is reported as skipped, with how to turn it
/// on. It carries the trait <c>distributed=true</c>, so that a run can include, exclude or select
/// such facts (<c>--filter-trait "distributed=true"</c>, <c>--filter-not-trait ...</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class DistributedFactAttribute : FactAttribute, ITraitAttribute
{
    /// <summary>Marks a distributed fact; the arguments are filled in by the compiler.</summary>
    /// <param name="sourceFilePath">The test's source file.</param>
    /// <param name="sourceLineNumber">The test's line.</param>
    public DistributedFactAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
        : base(sourceFilePath, sourceLineNumber)
    {
        Skip = DistributedEnvironment.SkipReason;
        SkipUnless = nameof(DistributedEnvironment.NodesAllowed);
        SkipType = typeof(DistributedEnvironment);
    }

    /// <inheritdoc />
    public IReadOnlyCollection<KeyValuePair<string, string>> GetTraits() => DistributedEnvironment.Traits;
}

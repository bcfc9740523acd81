using System.Runtime.CompilerServices;

namespace Kv.Tests.Support;

/// <summary>
/// A fact that builds a network of its own: network namespaces joined by veth pairs, faults made
/// with nftables and tc, node processes started inside the namespaces (<see cref="VirtualHosts"/>).
/// It runs only where <see cref="MultiHostEnvironment.SkipReason"/> finds nothing missing, and is
/// otherwise reported as skipped with what is missing and how to get it. Classes holding such facts
/// carry <c>[Trait("distributed", "true")]</c> and <c>[Trait("multihost", "true")]</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class MultiHostFactAttribute : FactAttribute
{
    public MultiHostFactAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
        : base(sourceFilePath, sourceLineNumber)
    {
        if (MultiHostEnvironment.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>A theory that builds a network of its own, gated like <see cref="MultiHostFactAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class MultiHostTheoryAttribute : TheoryAttribute
{
    public MultiHostTheoryAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
        : base(sourceFilePath, sourceLineNumber)
    {
        if (MultiHostEnvironment.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

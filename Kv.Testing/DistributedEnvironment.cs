namespace Kv.Testing;

/// <summary>Whether this test run may start node processes (Elixir's <c>Node.alive?</c> check in the chapter's <c>test_helper.exs</c>).</summary>
public static class DistributedEnvironment
{
    /// <summary>The environment variable that allows it: <c>KV_TEST_NODES=1</c> (or <c>true</c>).</summary>
    public const string Variable = "KV_TEST_NODES";

    /// <summary>The trait every distributed fact and theory carries.</summary>
    public const string Trait = "distributed";

    /// <summary>Why a distributed fact was skipped, and how to run it.</summary>
    public const string SkipReason = "Starts node processes: run with KV_TEST_NODES=1 (as the README's test command does).";

    /// <summary>Whether <see cref="Variable"/> allows starting nodes.</summary>
    public static bool NodesAllowed => Environment.GetEnvironmentVariable(Variable) is "1" or "true";

    /// <summary><c>distributed=true</c>, as attribute traits.</summary>
    internal static IReadOnlyCollection<KeyValuePair<string, string>> Traits { get; } = [new(Trait, "true")];
}

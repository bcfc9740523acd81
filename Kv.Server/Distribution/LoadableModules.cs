using Kv.Server.Demo;

namespace Kv.Server.Distribution;

/// <summary>Modules a node exports only when asked with <c>--load</c>: the chapter's point that code may exist on some nodes only.</summary>
internal static class LoadableModules
{
    public static readonly IReadOnlyList<string> Names = ["Hello"];

    /// <summary>The module class that <c>--load <paramref name="module"/></c> exports.</summary>
    public static Type TypeOf(string module) => module switch
    {
        "Hello" => typeof(HelloModule),
        _ => throw new InvalidOperationException($"--load {module}: no such module; the loadable ones are {string.Join(", ", Names)}."),
    };
}

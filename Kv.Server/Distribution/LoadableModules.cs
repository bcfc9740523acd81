using Kv.Distribution;
using Kv.Server.Demo;

namespace Kv.Server.Distribution;

/// <summary>Modules a node exports only when asked with <c>--load</c>: the chapter's point that code may exist on some nodes only.</summary>
internal static class LoadableModules
{
    public static readonly IReadOnlyList<string> Names = ["Hello"];

    public static void Load(Node node, string module)
    {
        switch (module)
        {
            case "Hello":
                node.Functions.RegisterModule(typeof(HelloModule));
                break;
            default:
                throw new InvalidOperationException($"--load {module}: no such module; the loadable ones are {string.Join(", ", Names)}.");
        }
    }
}

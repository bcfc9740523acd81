using Kv.Distribution.Rpc;

namespace Kv.Samples.EmbeddedNode;

/// <summary>A module of one's own: other nodes call <c>Greeter.Hello</c> once the node exports it.</summary>
[ExportModule("Greeter")]
internal static class Greeter
{
    [Export("Hello")]
    public static string Hello(string name) => $"hello {name}";
}

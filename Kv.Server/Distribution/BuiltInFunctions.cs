using Kv.Distribution;

namespace Kv.Server.Distribution;

/// <summary>The functions every kv node exports besides <c>Kernel.Node</c> and <c>Kernel.Nodes</c>.</summary>
internal static class BuiltInFunctions
{
    public static void Register(Node node)
    {
        // Erlang's :timer.sleep/1: handy to try timeouts and node-down from another node.
        node.Functions.Register("Timer", "Sleep", static async (int milliseconds) =>
        {
            await Task.Delay(milliseconds);
            return "ok";
        });
    }
}

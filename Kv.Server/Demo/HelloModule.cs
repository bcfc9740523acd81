using Kv.Distribution.Processes;
using Kv.Distribution.Rpc;
using Kv.Distribution.Terms;

namespace Kv.Server.Demo;

/// <summary>
/// The chapter's <c>Hello</c> module. A node exports it only when started with <c>--load Hello</c>,
/// so that the others show the chapter's point: calling it there is "undefined", but spawning it on
/// the node that has it works, and its output appears on the caller's console.
/// </summary>
[ExportModule("Hello")]
internal static class HelloModule
{
    private static readonly Atom s_ping = new("ping");
    private static readonly Atom s_pong = new("pong");

    /// <summary>Prints "hello world" (to the console of whoever started it).</summary>
    [Export("World")]
    public static void World() => Console.WriteLine("hello world");

    /// <summary>Waits for <c>[:ping, client]</c> and answers <c>:pong</c>, as the chapter's ping/pong process does.</summary>
    [Export("Pong")]
    public static async Task Pong(ProcessContext context)
    {
        if (await context.ReceiveAsync(m => m is object?[] { Length: 2 } p && p[0] is Atom a && a == s_ping && p[1] is Pid) is object?[] ping)
        {
            context.Send((Pid)ping[1]!, s_pong);
        }
    }
}

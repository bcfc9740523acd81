using Kv.Distribution.Rpc;
using Kv.Distribution.Terms;

namespace Kv.Distribution.Processes;

/// <summary>
/// <c>Process.Echo</c> and <c>Process.Counter</c>: processes another node can spawn here to measure
/// messaging between nodes (the load tool's <c>pingpong</c> and <c>sends</c>). A kv node exports them
/// (<c>Kv.Core.Application.KvNode</c>); a bare <see cref="Node"/> does not. Export them elsewhere with
/// <c>node.Functions.RegisterModule(typeof(ProcessModule))</c>: a static class cannot be a type argument.
/// </summary>
[ExportModule("Process")]
public static class ProcessModule
{
    /// <summary>Answers every <c>[pid, message]</c> with <c>message</c>, until it gets something else: the other end of ping-pong between nodes.</summary>
    /// <param name="context">The process.</param>
    [Export("Echo")]
    public static async Task Echo(ProcessContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        while (await context.ReceiveAsync() is object?[] { Length: 2 } request && request[0] is Pid from)
        {
            context.Send(from, request[1]);
        }
    }

    /// <summary>
    /// Counts the messages it gets and answers <c>[pid, :atom]</c> with the count, until it gets
    /// <c>"stop"</c>: the receiving end of one-way send measurements.
    /// </summary>
    /// <param name="context">The process.</param>
    [Export("Counter")]
    public static async Task Counter(ProcessContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        long received = 0;
        while (true)
        {
            switch (await context.ReceiveAsync())
            {
                case object?[] { Length: 2 } query when query[0] is Pid from && query[1] is Atom:
                    context.Send(from, received);
                    break;
                case "stop":
                    return;
                default:
                    received++;
                    break;
            }
        }
    }
}

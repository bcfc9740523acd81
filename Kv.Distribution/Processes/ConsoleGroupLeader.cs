using Kv.Distribution.Terms;

namespace Kv.Distribution.Processes;

/// <summary>
/// The body of a node's console group leader (registered as <c>user</c>): writes the text of io
/// requests (<c>[:io_request, text]</c>) to the node's console in arrival order, and answers
/// <c>[:io_sync, pid, ref]</c> once everything before it is written.
/// </summary>
internal static class ConsoleGroupLeader
{
    /// <summary>The first element of a sync request.</summary>
    public static readonly Atom IoSync = new("io_sync");

    public static async Task RunAsync(ProcessContext context, TextWriter console)
    {
        while (true)
        {
            var message = await context.ReceiveAsync();
            if (message is object?[] { Length: 2 } request && request[0] is Atom tag && tag == GroupLeaderWriter.IoRequest && request[1] is string text)
            {
                await console.WriteAsync(text);
                await console.FlushAsync();
            }
            else if (message is object?[] { Length: 3 } sync && sync[0] is Atom syncTag && syncTag == IoSync && sync[1] is Pid replyTo && sync[2] is Ref reference)
            {
                context.Send(replyTo, new object?[] { reference, Exits.Normal });
            }
        }
    }
}

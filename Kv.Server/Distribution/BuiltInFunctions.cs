using Kv.Distribution;
using Kv.Distribution.Processes;
using Kv.Distribution.Terms;

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

        // A process that answers every [pid, message] with message, until it gets :stop: the
        // other end of ping-pong between nodes.
        node.Functions.Register("Process", "Echo", static async (ProcessContext context) =>
        {
            while (await context.ReceiveAsync() is object?[] { Length: 2 } request && request[0] is Pid from)
            {
                context.Send(from, request[1]);
            }
        });

        // A process that counts the messages it gets and answers [pid, :count] with the count,
        // until it gets "stop": the receiving end of one-way send measurements.
        node.Functions.Register("Process", "Counter", static async (ProcessContext context) =>
        {
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
        });
    }
}

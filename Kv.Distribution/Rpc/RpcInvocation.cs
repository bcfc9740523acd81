using Kv.Distribution.Connections;
using Kv.Distribution.Control;
using Kv.Distribution.Processes;
using Kv.Distribution.Support;
using Kv.Distribution.Terms;
using Kv.Distribution.Wire;
using Microsoft.Extensions.Logging;

namespace Kv.Distribution.Rpc;

/// <summary>
/// One rpc served for a peer: runs the function (<see cref="FunctionInvoker.CallAsync"/>) and replies
/// on the link with its value or its failure. Runs as a thread-pool work item of its own, or, for
/// an inline function, right on the read loop up to its first await. A value that is a
/// <see cref="PooledBufferWriter"/> is disposed once its reply frame is written (or cannot be).
/// </summary>
internal sealed class RpcInvocation(FunctionInvoker invoker, NodeConnection connection, RpcCallFrame call, ILogger logger) : IThreadPoolWorkItem
{
    public void Execute() => _ = RunAsync();

    private async Task RunAsync()
    {
        // Console output of the call goes to the caller's console, as output of an Erlang rpc does.
        ConsoleForwarding.CurrentGroupLeader = call.GroupLeader;
        RpcReplyFrame reply;
        try
        {
            reply = new RpcReplyFrame(call.CallId, RpcOutcome.Value, await invoker.CallAsync(call.Module, call.Function, call.Args));
        }
        catch (RpcException failure)
        {
            if (failure.Failure == RpcFailure.Undefined)
            {
                DistributionLog.RpcUndefined(logger, connection.Peer.ToString(), call.Module, call.Function);
            }
            else
            {
                DistributionLog.RpcThrew(logger, connection.Peer.ToString(), call.Module, call.Function, failure);
            }

            reply = FunctionInvoker.ToReply(call.CallId, failure);
        }

        try
        {
            connection.Send(reply);
        }
        catch (Exception ex) when (ex is TermException or FrameTooLargeException)
        {
            // The value cannot be sent: tell the caller why instead of leaving it to time out.
            DistributionLog.RpcReplyFailed(logger, connection.Peer.ToString(), call.Module, call.Function, ex);
            connection.Send(new RpcReplyFrame(call.CallId, RpcOutcome.Exception, new object?[] { ex.GetType().FullName, $"the result of {call.Module}.{call.Function} cannot be sent: {ex.Message}" }));
        }
        finally
        {
            // The frame holds a copy of a pooled value's bytes (or the link is gone): its array goes back.
            (reply.Payload as PooledBufferWriter)?.Dispose();
        }
    }
}

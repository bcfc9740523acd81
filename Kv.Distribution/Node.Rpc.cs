using Kv.Distribution.Connections;
using Kv.Distribution.Nodes;
using Kv.Distribution.Processes;
using Kv.Distribution.Rpc;
using Kv.Distribution.Terms;
using Kv.Distribution.Wire;

namespace Kv.Distribution;

/// <summary>Remote calls by module, function and arguments (Erlang's <c>:erpc.call</c>).</summary>
public sealed partial class Node
{
    /// <summary>
    /// Runs <paramref name="module"/>.<paramref name="function"/>(<paramref name="args"/>) on
    /// <paramref name="node"/> and returns its value. The callee runs it in its own work item, off
    /// the link; a call to this node itself runs directly.
    /// </summary>
    /// <param name="node">Where to run it.</param>
    /// <param name="module">The exported module, such as <c>Kernel</c>.</param>
    /// <param name="function">The exported function, such as <c>Node</c>.</param>
    /// <param name="args">The arguments: terms that can cross the wire.</param>
    /// <param name="timeout">How long to wait for the reply; <see cref="NodeOptions.CallTimeout"/> when omitted.</param>
    /// <param name="cancellationToken">Abandons the wait (the call may still run).</param>
    /// <exception cref="RpcException">
    /// <see cref="RpcFailure.Exception"/> when the function threw (remote type, message and node),
    /// <see cref="RpcFailure.Undefined"/> when the node does not export it, <see cref="RpcFailure.BadArg"/>
    /// when the arguments do not fit, <see cref="RpcFailure.Timeout"/> and
    /// <see cref="RpcFailure.NoConnection"/> when no reply came (the function may or may not have run).
    /// </exception>
    public async Task<object?> CallAsync(NodeName node, string module, string function, object?[] args, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (node == Name)
        {
            return await CallLocalAsync(module, function, args);
        }

        var connection = await GetConnectionAsync(node, cancellationToken);
        return await connection.CallAsync(module, function, args, ConsoleForwarding.CurrentGroupLeader ?? GroupLeader, timeout ?? Options.CallTimeout, cancellationToken);
    }

    private async Task<object?> CallLocalAsync(string module, string function, object?[] args)
    {
        if (!Functions.TryGet(module, function, out var exported))
        {
            throw RpcException.Undefined(_nameText, module, function);
        }

        try
        {
            return await exported.InvokeAsync(args);
        }
        catch (BadArgumentException ex)
        {
            throw new RpcException(RpcFailure.BadArg, Name.ToString(), ex.Message, innerException: ex);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw new RpcException(RpcFailure.Exception, Name.ToString(), $"{ex.Message} (raised by {ex.GetType().FullName} on {Name})", ex.GetType().FullName, ex);
        }
    }

    /// <summary>
    /// Serves a call from <paramref name="connection"/>'s peer: in a work item of its own, or, for an
    /// inline function, right here on the read loop up to its first await.
    /// </summary>
    internal void ServeCall(NodeConnection connection, ulong callId, string module, string function, object?[] args, Pid? groupLeader)
    {
        Metrics.CallServed();
        var invocation = new RpcInvocation(this, connection, callId, module, function, args, groupLeader);
        if (Functions.TryGet(module, function, out var exported) && exported.Inline)
        {
            invocation.Execute();
            return;
        }

        ThreadPool.UnsafeQueueUserWorkItem(invocation, preferLocal: false);
    }

    /// <summary>One served call: runs the function and replies with its value or its failure.</summary>
    private sealed class RpcInvocation(Node node, NodeConnection connection, ulong callId, string module, string function, object?[] args, Pid? groupLeader) : IThreadPoolWorkItem
    {
        public void Execute() => _ = RunAsync();

        private async Task RunAsync()
        {
            // Console output of the call goes to the caller's console, as output of an Erlang rpc does.
            ConsoleForwarding.CurrentGroupLeader = groupLeader;
            if (!node.Functions.TryGet(module, function, out var exported))
            {
                DistributionLog.RpcUndefined(node.Logger, connection.Peer.ToString(), module, function);
                Reply(RpcOutcome.Undefined, RpcException.Undefined(node._nameText, module, function).Message);
                return;
            }

            try
            {
                var value = await exported.InvokeAsync(args);
                Reply(RpcOutcome.Value, value);
            }
            catch (BadArgumentException ex)
            {
                Reply(RpcOutcome.BadArg, ex.Message);
            }
            catch (RpcException ex) when (ex.Failure is RpcFailure.Exception or RpcFailure.Undefined or RpcFailure.BadArg)
            {
                // A call this one made failed (a route passed on, say): hand back the original failure and type.
                Reply(
                    ex.Failure switch { RpcFailure.Undefined => RpcOutcome.Undefined, RpcFailure.BadArg => RpcOutcome.BadArg, _ => RpcOutcome.Exception },
                    ex.Failure == RpcFailure.Exception ? new object?[] { ex.RemoteType ?? typeof(RpcException).FullName, ex.Message } : ex.Message);
            }
            catch (Exception ex)
            {
                DistributionLog.RpcThrew(node.Logger, connection.Peer.ToString(), module, function, ex);
                Reply(RpcOutcome.Exception, new object?[] { ex.GetType().FullName, ex.Message });
            }
        }

        private void Reply(RpcOutcome outcome, object? payload)
        {
            try
            {
                connection.Send(new RpcReplyFrame(callId, outcome, payload));
            }
            catch (Exception ex) when (ex is TermException or FrameTooLargeException)
            {
                // The value cannot be sent: tell the caller why instead of leaving it to time out.
                DistributionLog.RpcReplyFailed(node.Logger, connection.Peer.ToString(), module, function, ex);
                connection.Send(new RpcReplyFrame(callId, RpcOutcome.Exception, new object?[] { ex.GetType().FullName, $"the result of {module}.{function} cannot be sent: {ex.Message}" }));
            }
        }
    }
}

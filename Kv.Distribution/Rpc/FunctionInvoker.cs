using Kv.Distribution.Control;
using Kv.Distribution.Nodes;

namespace Kv.Distribution.Rpc;

/// <summary>
/// Runs this node's exported functions by module and function name, for every caller: rpc from
/// another node or from this one, remote and local spawns, tasks, inline exports. It is the one
/// place where failures are named (<see cref="Failure"/>) and where they cross the wire
/// (<see cref="ToReply"/>, <see cref="FromReply"/>), so every path reports them alike.
/// </summary>
internal sealed class FunctionInvoker(FunctionRegistry functions, NodeName node)
{
    /// <summary>The exported function, checked against the number of arguments and how it will run.</summary>
    /// <param name="module">The module name.</param>
    /// <param name="function">The function name.</param>
    /// <param name="argumentCount">How many arguments the caller gives.</param>
    /// <param name="asProcess">Whether it will run as a process (spawned), rather than as a call.</param>
    /// <exception cref="RpcException"><see cref="RpcFailure.Undefined"/> or <see cref="RpcFailure.BadArg"/>.</exception>
    public ExportedFunction Find(string module, string function, int argumentCount, bool asProcess)
    {
        if (!functions.TryGet(module, function, out var exported))
        {
            throw RpcException.Undefined(node.ToString(), module, function);
        }

        if (exported.ArgumentCountProblem(argumentCount) is { } problem)
        {
            throw new RpcException(RpcFailure.BadArg, node.ToString(), problem);
        }

        if (exported.NeedsProcess && !asProcess)
        {
            throw new RpcException(RpcFailure.BadArg, node.ToString(), $"{module}.{function} runs as a process: spawn it instead of calling it.");
        }

        return exported;
    }

    /// <summary>Whether calls of the function run on the link's read loop (<see cref="ExportAttribute.Inline"/>).</summary>
    public bool IsInline(string module, string function) => functions.TryGet(module, function, out var exported) && exported.Inline;

    /// <summary>Runs the function as a call and returns its value.</summary>
    /// <exception cref="RpcException">Every failure, named by <see cref="Failure"/>.</exception>
    public async Task<object?> CallAsync(string module, string function, object?[] args)
    {
        try
        {
            return await Find(module, function, args.Length, asProcess: false).InvokeAsync(args);
        }
        catch (Exception ex)
        {
            throw Failure(ex);
        }
    }

    /// <summary>
    /// How a function's exception is reported: a failure of a call it made (a route passed on,
    /// say) as it came, bad arguments as <see cref="RpcFailure.BadArg"/>, anything else as
    /// <see cref="RpcFailure.Exception"/> with its type and this node.
    /// </summary>
    public RpcException Failure(Exception exception) => exception switch
    {
        RpcException { Failure: RpcFailure.Exception or RpcFailure.Undefined or RpcFailure.BadArg } passedOn => passedOn,
        BadArgumentException bad => new RpcException(RpcFailure.BadArg, node.ToString(), bad.Message, innerException: bad),
        _ => new RpcException(
            RpcFailure.Exception,
            node.ToString(),
            $"{exception.Message} (raised by {exception.GetType().FullName} on {node})",
            exception.GetType().FullName,
            exception),
    };

    /// <summary>The reply frame that carries <paramref name="failure"/> back to the caller.</summary>
    public static RpcReplyFrame ToReply(ulong callId, RpcException failure) => failure.Failure switch
    {
        RpcFailure.Undefined => new(callId, RpcOutcome.Undefined, failure.Message),
        RpcFailure.BadArg => new(callId, RpcOutcome.BadArg, failure.Message),
        _ => new(callId, RpcOutcome.Exception, new object?[] { failure.RemoteType ?? typeof(RpcException).FullName, failure.Message }),
    };

    /// <summary>The failure a reply from <paramref name="peer"/> reports, or <see langword="null"/> for a value.</summary>
    public static RpcException? FromReply(in RpcReplyFrame reply, NodeName peer) => reply.Outcome switch
    {
        RpcOutcome.Value => null,
        RpcOutcome.Exception when reply.Payload is object?[] { Length: 2 } error =>
            new RpcException(RpcFailure.Exception, peer.ToString(), error[1] as string ?? "an exception", error[0] as string),
        RpcOutcome.Undefined => new RpcException(RpcFailure.Undefined, peer.ToString(), reply.Payload as string ?? "undefined function"),
        RpcOutcome.BadArg => new RpcException(RpcFailure.BadArg, peer.ToString(), reply.Payload as string ?? "bad argument"),
        _ => new RpcException(RpcFailure.Exception, peer.ToString(), $"an rpc reply with unknown outcome {(byte)reply.Outcome}"),
    };
}

using Kv.Core.Buckets;
using Kv.Distribution.Nodes;
using Kv.Distribution.Processes;
using Kv.Distribution.Rpc;

namespace Kv.Core.Routing;

/// <summary>
/// Turns the runtime's failures of a call to a bucket's owner into kv's own exceptions, so that
/// callers of <see cref="Router"/> and <see cref="RemoteBucket"/> never look at rpc details:
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>the owner threw <see cref="BucketStoppedException"/>: the same, for the bucket;</item>
/// <item>the owner threw <see cref="BucketLimitException"/> (a CREATE past its <c>--max-buckets</c>): the same, with the owner's message;</item>
/// <item>the owner threw <see cref="RoutingException"/> (no entry, or the tables disagree): the same, with the owner's message;</item>
/// <item>anything else the runtime reports (the owner cannot be reached, did not answer in time,
/// does not export the function, rejected the arguments, threw something else, or the process
/// running the request exited): <see cref="BucketUnavailableException"/> naming the bucket and the
/// owner, with the runtime's exception inside.</item>
/// </list>
/// Exceptions that are not the runtime's (cancellation, a bad argument here) are left as they are.
/// </remarks>
internal static class RemoteFailures
{
    /// <summary>kv's exception for <paramref name="failure"/> of a call to <paramref name="owner"/> about <paramref name="bucket"/>.</summary>
    /// <returns><see langword="null"/> when <paramref name="failure"/> is not a failure of the runtime: let it go as it is.</returns>
    public static Exception? Translate(Exception failure, string bucket, NodeName owner) => failure switch
    {
        RpcException { Failure: RpcFailure.Exception } rpc when Is<BucketStoppedException>(rpc) => new BucketStoppedException(bucket),
        RpcException { Failure: RpcFailure.Exception } rpc when Is<BucketLimitException>(rpc) => new BucketLimitException(rpc.Message, rpc),
        RpcException { Failure: RpcFailure.Exception } rpc when Is<RoutingException>(rpc) => new RoutingException(rpc.Message, rpc),
        RpcException rpc => new BucketUnavailableException(bucket, owner.ToString(), Describe(rpc), rpc),
        ExitException exit => new BucketUnavailableException(bucket, owner.ToString(), $"exit: {Exits.Describe(exit.Reason)}", exit),
        _ => null,
    };

    /// <summary>kv's exception for an operation of <c>KV.Router.ExecuteMany</c> that failed on <paramref name="owner"/> with <paramref name="type"/> (a full type name) and <paramref name="message"/>.</summary>
    public static Exception FromReply(string type, string message, string bucket, NodeName owner) => type switch
    {
        _ when type == typeof(BucketStoppedException).FullName => new BucketStoppedException(bucket),
        _ when type == typeof(BucketLimitException).FullName => new BucketLimitException(message),
        _ when type == typeof(RoutingException).FullName => new RoutingException(message),
        _ => new BucketUnavailableException(bucket, owner.ToString(), $"it failed ({message})", null),
    };

    private static bool Is<T>(RpcException rpc)
        where T : Exception =>
        rpc.RemoteType == typeof(T).FullName;

    private static string Describe(RpcException rpc) => rpc.Failure switch
    {
        RpcFailure.NoConnection => $"it cannot be reached ({rpc.Message})",
        RpcFailure.Timeout => $"no reply in time, the operation may or may not have run ({rpc.Message})",
        RpcFailure.Undefined => $"it does not run kv's router ({rpc.Message})",
        RpcFailure.BadArg => $"it rejected the request ({rpc.Message})",
        _ => $"it failed ({rpc.Message})",
    };
}

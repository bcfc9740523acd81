using Kv.Distribution.Wire;

namespace Kv.Distribution.Control;

/// <summary>
/// A control message that asks the peer for a reply (an rpc, a remote spawn): the reply carries
/// the request's id, which the link gives it as it is sent.
/// </summary>
/// <typeparam name="TSelf">The message type.</typeparam>
internal interface IRequestFrame<TSelf> : IFrameContent
    where TSelf : struct, IRequestFrame<TSelf>
{
    /// <summary>This request, numbered <paramref name="requestId"/> on its link.</summary>
    TSelf WithRequestId(ulong requestId);
}

using Kv.Distribution.Nodes;
using Kv.Distribution.Wire;

namespace Kv.Distribution.Connections;

/// <summary>
/// One attempt to set up the link to <see cref="Peer"/>: the frames sent to it meanwhile wait in
/// <see cref="Outbox"/>, which becomes the link's own outbox once it is up, so they leave first and
/// in order. It ends exactly once: with the link (whichever side's connection won), or with
/// <see cref="Rpc.RpcFailure.NoConnection"/> and a reason that names the step that failed.
/// </summary>
internal sealed class ConnectAttempt(NodeName peer, FrameOutbox outbox)
{
    public NodeName Peer { get; } = peer;

    /// <summary>Frames for the peer, queued until the link is up.</summary>
    public FrameOutbox Outbox { get; } = outbox;

    /// <summary>Completes with the link, or fails with <see cref="Rpc.RpcException"/> NoConnection.</summary>
    public TaskCompletionSource<NodeConnection> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

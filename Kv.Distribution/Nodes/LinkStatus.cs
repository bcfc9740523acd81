namespace Kv.Distribution.Nodes;

/// <summary>One link of a node, as <see cref="Node.LinkStatuses"/> reports it (the shell's <c>info</c>).</summary>
/// <param name="Peer">The node at the other end.</param>
/// <param name="PeerCreation">Its incarnation.</param>
/// <param name="Outbound">Whether this node set the link up (else the peer did).</param>
/// <param name="Hidden">Whether the peer is a hidden node.</param>
/// <param name="QueuedBytes">Bytes queued on the link and not yet written.</param>
/// <param name="BusyTime">How long the link has been busy in all (senders waiting for it to drain).</param>
/// <param name="Age">How long the link has been up (since its handshake ended).</param>
public sealed record LinkStatus(NodeName Peer, uint PeerCreation, bool Outbound, bool Hidden, long QueuedBytes, TimeSpan BusyTime, TimeSpan Age);

using Kv.Distribution.Connections;
using Kv.Distribution.Control;
using Kv.Distribution.Nodes;
using Kv.Distribution.Terms;
using Kv.Distribution.Wire;
using Microsoft.Extensions.Logging;

namespace Kv.Distribution.Processes;

/// <summary>
/// The processes of every other node, as this one reaches them (Proto.Actor's <c>RemoteProcess</c>):
/// each signal becomes a frame on the link to the target's node. Nothing here blocks: a link that is
/// being set up queues the frame and sends it, in order, once up. When the node cannot be reached
/// the frame is dropped as a dead letter, and a link or monitor is answered at once with
/// <c>noconnection</c>, as Erlang's are.
/// </summary>
internal sealed class RemoteProcess(ConnectionManager links, ProcessRegistry registry, DistributionMetrics metrics, ILogger logger) : IProcess
{
    /// <remarks>Never waits: past the link's bound (<see cref="Nodes.NodeOptions.LinkMaxQueuedBytes"/>) the message is dropped; <see cref="SendAsync"/> waits instead.</remarks>
    public void Send(Pid to, object? message) => Deliver(to.Node, new SendFrame(to, message), bulk: true);

    /// <summary>A message for the process registered as <paramref name="name"/> on <paramref name="node"/>.</summary>
    public void Send(string name, NodeName node, object? message, Pid? from) => Deliver(node, new RegSendFrame(from, name, message), bulk: true);

    /// <summary>
    /// <see cref="Send(Pid, object?)"/>, first waiting (asynchronously) while the link to the pid's
    /// node is busy: back-pressure, as a process sending on a busy Erlang distribution port is suspended.
    /// </summary>
    public async ValueTask SendAsync(Pid to, object? message, CancellationToken cancellationToken)
    {
        var writable = links.WhenWritableAsync(to.Node);
        if (!writable.IsCompleted)
        {
            await writable.AsTask().WaitAsync(cancellationToken);
        }

        Send(to, message);
    }

    public void Link(Pid to, Pid from)
    {
        if (!Deliver(to.Node, new LinkFrame(from, to)))
        {
            registry.Resolve(from).Exit(from, to, Exits.NoConnection, explicitSignal: false);
        }
    }

    public void Unlink(Pid to, Pid from) => Deliver(to.Node, new UnlinkFrame(from, to), connect: false);

    public void Exit(Pid to, Pid from, object? reason, bool explicitSignal) =>
        Deliver(to.Node, new ExitFrame(from, to, reason, explicitSignal), connect: explicitSignal);

    public void Monitor(Pid to, Pid watcher, Ref monitor)
    {
        if (!Deliver(to.Node, new MonitorFrame(watcher, to, null, monitor)))
        {
            registry.Resolve(watcher).Down(watcher, monitor, to, Exits.NoConnection);
        }
    }

    /// <summary><paramref name="watcher"/> monitors the process registered as <paramref name="name"/> on <paramref name="node"/>.</summary>
    public void Monitor(string name, NodeName node, Pid watcher, Ref monitor)
    {
        if (!Deliver(node, new MonitorFrame(watcher, default, name, monitor)))
        {
            registry.Resolve(watcher).Down(watcher, monitor, default, Exits.NoConnection);
        }
    }

    public void Demonitor(Pid to, Pid watcher, Ref monitor) => Deliver(to.Node, new DemonitorFrame(watcher, to, null, monitor), connect: false);

    /// <summary>Stops a monitor of a process by name.</summary>
    public void Demonitor(string name, NodeName node, Pid watcher, Ref monitor) => Deliver(node, new DemonitorFrame(watcher, default, name, monitor), connect: false);

    public void Down(Pid watcher, Ref monitor, Pid of, object? reason) => Deliver(watcher.Node, new DownFrame(watcher, of, monitor, reason), connect: false);

    /// <summary>
    /// Puts <paramref name="frame"/> on the link to <paramref name="node"/>, setting it up first when
    /// <paramref name="connect"/> (see <see cref="ConnectionManager.Send"/>); <see langword="false"/> when it was dropped.
    /// </summary>
    private bool Deliver<T>(NodeName node, in T frame, bool connect = true, bool bulk = false)
        where T : struct, IFrameContent
    {
        try
        {
            if (links.Send(node, frame, connect, bulk))
            {
                return true;
            }

            if (connect)
            {
                metrics.DeadLetter("noconnection");
            }

            return false;
        }
        catch (Exception ex) when (ex is TermException or FrameTooLargeException)
        {
            // A value that cannot cross the wire is the sender's mistake, but a send never throws.
            metrics.DeadLetter("unencodable");
            DistributionLog.UnsendableFrame(logger, node.ToString(), ex.Message);
            return false;
        }
    }
}

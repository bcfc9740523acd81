using Kv.Distribution.Connections;
using Kv.Distribution.Processes;
using Kv.Distribution.Rpc;
using Microsoft.Extensions.Logging;

namespace Kv.Distribution.Control;

/// <summary>
/// What a node does with the control messages of one link (Orleans' <c>Connection.OnReceivedMessage</c>):
/// process signals go to whatever their pid resolves to, calls and spawns are served, replies
/// complete the link's pending requests, and peer lists extend the mesh.
/// </summary>
/// <remarks>
/// Runs on the link's read loop. A run of messages to one local process is handed to its mailbox at
/// once (<see cref="MailboxBatch"/>); it is delivered before any other message takes effect and at
/// the end of each batch read, so a process sees messages and signals in the order they came.
/// </remarks>
internal sealed class NodeControlHandler(
    NodeConnection connection,
    ProcessRegistry processes,
    FunctionInvoker invoker,
    Spawner spawner,
    ConnectionManager links,
    DistributionMetrics metrics,
    ILogger logger) : IControlHandler
{
    private readonly MailboxBatch _deliveries = new();

    public void Handle(in SendFrame frame)
    {
        if (processes.TryGet(frame.To, out var process))
        {
            _deliveries.Add(process, frame.Message);
            return;
        }

        _deliveries.Flush();
        processes.Resolve(frame.To).Send(frame.To, frame.Message);
    }

    public void Handle(in RegSendFrame frame)
    {
        _deliveries.Flush();
        if (processes.TryGet(frame.Name, out var process))
        {
            process.Mailbox.Post(frame.Message);
        }
        else
        {
            metrics.DeadLetter("noproc");
        }
    }

    public void Handle(in LinkFrame frame)
    {
        _deliveries.Flush();
        processes.Resolve(frame.To).Link(frame.To, frame.From);
    }

    public void Handle(in UnlinkFrame frame)
    {
        _deliveries.Flush();
        processes.Resolve(frame.To).Unlink(frame.To, frame.From);
    }

    public void Handle(in ExitFrame frame)
    {
        _deliveries.Flush();
        processes.Resolve(frame.To).Exit(frame.To, frame.From, frame.Reason, frame.Explicit);
    }

    public void Handle(in MonitorFrame frame)
    {
        _deliveries.Flush();
        if (frame.ToName is null)
        {
            processes.Resolve(frame.To).Monitor(frame.To, frame.From, frame.Monitor);
        }
        else if (processes.TryGet(frame.ToName, out var named))
        {
            ((IProcess)named).Monitor(named.Pid, frame.From, frame.Monitor);
        }
        else
        {
            processes.Resolve(frame.From).Down(frame.From, frame.Monitor, processes.ReplyPid with { Creation = 0 }, Exits.NoProc);
        }
    }

    public void Handle(in DemonitorFrame frame)
    {
        _deliveries.Flush();
        if (frame.ToName is null)
        {
            processes.Resolve(frame.To).Demonitor(frame.To, frame.From, frame.Monitor);
        }
        else if (processes.TryGet(frame.ToName, out var named))
        {
            named.RemoveWatcher(frame.Monitor);
        }
    }

    public void Handle(in DownFrame frame)
    {
        _deliveries.Flush();
        processes.Resolve(frame.Watcher).Down(frame.Watcher, frame.Monitor, frame.Pid, frame.Reason);
    }

    public void Handle(in RpcCallFrame frame)
    {
        _deliveries.Flush();
        metrics.CallServed();
        var invocation = new RpcInvocation(invoker, connection, frame, logger);
        if (invoker.IsInline(frame.Module, frame.Function))
        {
            invocation.Execute();
        }
        else
        {
            ThreadPool.UnsafeQueueUserWorkItem(invocation, preferLocal: false);
        }
    }

    public void Handle(in RpcReplyFrame frame)
    {
        _deliveries.Flush();
        if (!connection.TryTakeRequest(frame.CallId, out var pending))
        {
            return; // The caller gave up (timeout) before the reply came.
        }

        if (FunctionInvoker.FromReply(frame, connection.Peer) is { } failure)
        {
            pending.Fail(failure);
        }
        else
        {
            pending.Complete(frame.Payload);
        }
    }

    public void Handle(in SpawnRequestFrame frame)
    {
        _deliveries.Flush();
        spawner.Serve(connection, frame);
    }

    public void Handle(in SpawnReplyFrame frame)
    {
        _deliveries.Flush();
        if (!connection.TryTakeRequest(frame.RequestId, out var pending))
        {
            return;
        }

        if (frame.Pid is { } spawned)
        {
            // Before any later frame is read: an exit signal from the new process may be next.
            (pending as SpawnCompletion)?.OnSpawned(spawned);
            pending.Complete(spawned);
        }
        else
        {
            pending.Fail(new RpcException(RpcFailure.Undefined, connection.Peer.ToString(), frame.Error ?? "spawn failed"));
        }
    }

    public void Handle(in PeersFrame frame)
    {
        _deliveries.Flush();
        links.OnPeersAnnounced(connection, frame.Nodes);
    }

    public void EndOfBatch() => _deliveries.Flush();
}

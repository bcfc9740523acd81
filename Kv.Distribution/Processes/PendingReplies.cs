using System.Collections.Concurrent;
using Kv.Distribution.Nodes;
using Kv.Distribution.Terms;

namespace Kv.Distribution.Processes;

/// <summary>
/// Replies awaited by code that need not be a process (a call to a server, an awaited task): each
/// is keyed by the reference of the request, which is also the monitor on the process that should
/// answer. The node's reply pid (id 0) routes <c>[ref, value]</c> messages and down messages here,
/// like an OTP alias: a reply completes the wait, a down message fails it with the reason, and a
/// lost link fails every wait on that node with <c>noconnection</c>.
/// </summary>
internal sealed class PendingReplies : IProcess
{
    private readonly ConcurrentDictionary<Ref, Entry> _pending = new();

    /// <summary>Starts waiting for the reply tagged <paramref name="tag"/> from a process on <paramref name="node"/>.</summary>
    public Task<object?> Expect(Ref tag, NodeName node)
    {
        var entry = new Entry(node);
        _pending[tag] = entry;
        return entry.Task;
    }

    /// <summary>Stops waiting (the caller gave up).</summary>
    public bool Forget(Ref tag) => _pending.TryRemove(tag, out _);

    /// <summary>A message sent to the reply pid: <c>[ref, value]</c> completes the wait for <c>ref</c>.</summary>
    public void Deliver(object? message)
    {
        if (message is object?[] { Length: 2 } reply && reply[0] is Ref tag && _pending.TryRemove(tag, out var entry))
        {
            entry.TrySetResult(reply[1]);
        }
    }

    /// <summary>The process that should answer ended first.</summary>
    public void Down(Ref tag, object? reason)
    {
        if (_pending.TryRemove(tag, out var entry))
        {
            entry.TrySetException(new ExitException(reason));
        }
    }

    /// <summary>The link to <paramref name="node"/> broke.</summary>
    public void NodeDown(NodeName node)
    {
        foreach (var (tag, entry) in _pending)
        {
            if (entry.Node == node && _pending.TryRemove(tag, out _))
            {
                entry.TrySetException(new ExitException(Exits.NoConnection));
            }
        }
    }

    void IProcess.Send(Pid to, object? message) => Deliver(message);

    void IProcess.Down(Pid watcher, Ref monitor, Pid of, object? reason) => Down(monitor, reason);

    // The reply pid is not a process: links, exit signals and monitors to it mean nothing.
    void IProcess.Link(Pid to, Pid from)
    {
    }

    void IProcess.Unlink(Pid to, Pid from)
    {
    }

    void IProcess.Exit(Pid to, Pid from, object? reason, bool explicitSignal)
    {
    }

    void IProcess.Monitor(Pid to, Pid watcher, Ref monitor)
    {
    }

    void IProcess.Demonitor(Pid to, Pid watcher, Ref monitor)
    {
    }

    private sealed class Entry(NodeName node) : TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public NodeName Node { get; } = node;
    }
}

using Kv.Distribution.Processes;
using Kv.Distribution.Support;
using Kv.Distribution.Terms;

namespace Kv.Distribution.Tasks;

/// <summary>
/// A task started by <see cref="TaskSupervisor.Async(Node, Servers.ServerRef, string, string, object?[], CancellationToken)"/>,
/// to be awaited once (Elixir's <c>Task.await</c>).
/// </summary>
public sealed class TaskHandle
{
    private readonly Node _node;
    private readonly Task<object?> _reply;

    internal TaskHandle(Node node, Pid pid, Ref tag, Task<object?> reply)
    {
        _node = node;
        Pid = pid;
        Tag = tag;
        _reply = reply;
    }

    /// <summary>The task's process, on the node that runs it.</summary>
    public Pid Pid { get; }

    /// <summary>The reference its reply is tagged with.</summary>
    public Ref Tag { get; }

    /// <summary>
    /// Waits for the task's result. Exactly three outcomes: the value; an <see cref="ExitException"/>
    /// with the task's exit reason when it ended without one (a remote exception's type and message are
    /// in it, <see cref="Exits.NoConnection"/> when its node went away); or, after
    /// <paramref name="timeout"/> (5 s by default), an <see cref="ExitException"/> with <see cref="Exits.Timeout"/>.
    /// </summary>
    public async Task<object?> AwaitAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        try
        {
            return await Deadline.WaitAsync(_reply, timeout ?? Servers.GenServer.DefaultTimeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            if (!_node.Replies.Forget(Tag))
            {
                return await _reply;
            }

            _node.Processes.DemonitorForReply(Pid, Tag);
            throw new ExitException(Exits.Timeout);
        }
    }
}

using Kv.Distribution.Terms;

namespace Kv.Distribution.Processes;

/// <summary>
/// A process as others reach it: the signals it can be sent. What a pid resolves to
/// (<see cref="ProcessRegistry.Resolve"/>) decides what they do: a <see cref="LocalProcess"/> acts
/// on them, a <see cref="RemoteProcess"/> puts them on the link to the pid's node (queued while the
/// link is set up), <see cref="DeadLetterProcess"/> answers as a process that does not exist does.
/// None of them throws or blocks.
/// </summary>
/// <remarks>Each signal names its target (<c>to</c>), so that one object can stand for many processes (all of a node's remote ones, say), as Proto.Actor's <c>Process.SendUserMessage(pid, message)</c> does.</remarks>
internal interface IProcess
{
    /// <summary>A message for <paramref name="to"/>.</summary>
    void Send(Pid to, object? message);

    /// <summary><paramref name="from"/> links to <paramref name="to"/>: an absent <paramref name="to"/> answers with an exit signal (<c>noproc</c>, <c>noconnection</c>).</summary>
    void Link(Pid to, Pid from);

    /// <summary><paramref name="from"/> removes its link to <paramref name="to"/>.</summary>
    void Unlink(Pid to, Pid from);

    /// <summary>An exit signal from <paramref name="from"/>: a linked process ended, or (<paramref name="explicitSignal"/>) exit was called on <paramref name="to"/>.</summary>
    void Exit(Pid to, Pid from, object? reason, bool explicitSignal);

    /// <summary><paramref name="watcher"/> monitors <paramref name="to"/>: an absent <paramref name="to"/> answers with a down message (<c>noproc</c>, <c>noconnection</c>).</summary>
    void Monitor(Pid to, Pid watcher, Ref monitor);

    /// <summary><paramref name="watcher"/> stops monitoring <paramref name="to"/>.</summary>
    void Demonitor(Pid to, Pid watcher, Ref monitor);

    /// <summary>The process <paramref name="of"/> that <paramref name="watcher"/> monitors ended.</summary>
    void Down(Pid watcher, Ref monitor, Pid of, object? reason);
}

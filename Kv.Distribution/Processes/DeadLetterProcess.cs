using Kv.Distribution.Terms;

namespace Kv.Distribution.Processes;

/// <summary>
/// A process of this node that does not exist (it ended, or it belonged to a former incarnation of
/// the node): messages to it are dropped and counted, and a link or monitor to it is answered at
/// once with <c>noproc</c>, as Erlang answers one.
/// </summary>
internal sealed class DeadLetterProcess(ProcessRegistry registry, DistributionMetrics metrics) : IProcess
{
    public void Send(Pid to, object? message) => metrics.DeadLetter("noproc");

    public void Link(Pid to, Pid from) => registry.Resolve(from).Exit(from, to, Exits.NoProc, explicitSignal: false);

    public void Unlink(Pid to, Pid from)
    {
    }

    public void Exit(Pid to, Pid from, object? reason, bool explicitSignal)
    {
    }

    public void Monitor(Pid to, Pid watcher, Ref monitor) => registry.Resolve(watcher).Down(watcher, monitor, to, Exits.NoProc);

    public void Demonitor(Pid to, Pid watcher, Ref monitor)
    {
    }

    public void Down(Pid watcher, Ref monitor, Pid of, object? reason)
    {
    }
}

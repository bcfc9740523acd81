using Kv.Distribution.Processes;
using Kv.Distribution.Terms;

namespace Kv.Distribution.Connections;

/// <summary>
/// The pending answer to a remote spawn. The caller's side of a link or monitor is recorded as the
/// reply is read, on the link's read loop, so that it is in place before any later frame (such as
/// the exit signal of a process that crashed at once) is handled.
/// </summary>
internal sealed class SpawnCompletion(long deadline, string module, string function, LocalProcess? caller, bool link, Ref? monitor)
    : PendingRequest(deadline, module, function)
{
    public override string What => "spawn of " + base.What;

    public void OnSpawned(Pid pid)
    {
        if (caller is null)
        {
            return;
        }

        if (link)
        {
            caller.AddLink(pid);
        }

        if (monitor is { } m)
        {
            caller.AddMonitoring(m, pid);
        }
    }
}

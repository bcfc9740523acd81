using Kv.Distribution.Nodes;
using Kv.Distribution.Terms;

namespace Kv.Distribution.Processes;

/// <summary>
/// A process on this node: its mailbox, its links, who monitors it and whom it monitors. It ends
/// once (<see cref="Terminate"/>): its links get exit signals, its monitors get down messages, its
/// own monitors are removed, its name is released and its mailbox is dropped, so nothing of it is
/// left behind. As an <see cref="IProcess"/> it takes the signals of other processes; its own
/// links and monitors start with <see cref="LinkTo"/> and <see cref="MonitorOf"/>, which reach their
/// target wherever it is (<see cref="ProcessRegistry.Resolve"/>).
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "The cancellation token must stay usable after the process ends; a source without timers holds nothing to release.")]
internal sealed class LocalProcess : IProcess
{
    private readonly ProcessRegistry _registry;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _cancellation = new();
    private HashSet<Pid>? _links;
    private Dictionary<Ref, Pid>? _watchers;
    private Dictionary<Ref, Pid>? _monitoring;
    private List<string>? _names;
    private bool _exited;

    public LocalProcess(ProcessRegistry registry, Pid pid, Pid groupLeader)
    {
        _registry = registry;
        Pid = pid;
        GroupLeader = groupLeader;
    }

    public Pid Pid { get; }

    /// <summary>Where the process's console output goes: a process on the node that started the work.</summary>
    public Pid GroupLeader { get; }

    public Mailbox Mailbox { get; } = new();

    public bool TrapExit { get; set; }

    public bool IsAlive
    {
        get
        {
            lock (_gate)
            {
                return !_exited;
            }
        }
    }

    /// <summary>How many monitors watch this process (for tests of leaks).</summary>
    public int WatcherCount
    {
        get
        {
            lock (_gate)
            {
                return _watchers?.Count ?? 0;
            }
        }
    }

    /// <summary>Cancelled when the process ends, so that its code stops waiting.</summary>
    public CancellationToken Cancellation => _cancellation.Token;

    /// <summary>Links this process to <paramref name="other"/>, on any node; an absent one answers with an exit signal.</summary>
    public void LinkTo(Pid other)
    {
        AddLink(other);
        _registry.Resolve(other).Link(other, Pid);
    }

    /// <summary>Removes the link to <paramref name="other"/> on both sides.</summary>
    public void UnlinkFrom(Pid other)
    {
        RemoveLink(other);
        _registry.Resolve(other).Unlink(other, Pid);
    }

    /// <summary>Monitors <paramref name="target"/>, on any node: a <see cref="DownMessage"/> arrives when it ends (at once when it does not exist).</summary>
    public Ref MonitorOf(Pid target)
    {
        var monitor = _registry.MakeRef();
        AddMonitoring(monitor, target);
        _registry.Resolve(target).Monitor(target, Pid, monitor);
        return monitor;
    }

    /// <summary>Stops a monitor of this process's; no down message arrives for it afterwards.</summary>
    public void Demonitor(Ref monitor)
    {
        if (RemoveMonitoring(monitor, out var target))
        {
            _registry.Resolve(target).Demonitor(target, Pid, monitor);
        }
    }

    void IProcess.Send(Pid to, object? message) => Mailbox.Post(message);

    void IProcess.Link(Pid to, Pid from)
    {
        if (!AddLink(from))
        {
            _registry.Resolve(from).Exit(from, Pid, Exits.NoProc, explicitSignal: false);
        }
    }

    void IProcess.Unlink(Pid to, Pid from) => RemoveLink(from);

    void IProcess.Exit(Pid to, Pid from, object? reason, bool explicitSignal) => OnExitSignal(from, reason, explicitSignal);

    void IProcess.Monitor(Pid to, Pid watcher, Ref monitor)
    {
        if (!AddWatcher(monitor, watcher))
        {
            _registry.Resolve(watcher).Down(watcher, monitor, Pid, Exits.NoProc);
        }
    }

    void IProcess.Demonitor(Pid to, Pid watcher, Ref monitor) => RemoveWatcher(monitor);

    void IProcess.Down(Pid watcher, Ref monitor, Pid of, object? reason) => OnDown(monitor, of, reason);

    /// <summary>Adds a link; <see langword="false"/> when this process has ended.</summary>
    public bool AddLink(Pid other)
    {
        lock (_gate)
        {
            if (_exited)
            {
                return false;
            }

            (_links ??= []).Add(other);
            return true;
        }
    }

    public void RemoveLink(Pid other)
    {
        lock (_gate)
        {
            _links?.Remove(other);
        }
    }

    /// <summary>Records that <paramref name="watcher"/> monitors this process; <see langword="false"/> when it has ended.</summary>
    public bool AddWatcher(Ref monitor, Pid watcher)
    {
        lock (_gate)
        {
            if (_exited)
            {
                return false;
            }

            (_watchers ??= [])[monitor] = watcher;
            return true;
        }
    }

    public void RemoveWatcher(Ref monitor)
    {
        lock (_gate)
        {
            _watchers?.Remove(monitor);
        }
    }

    /// <summary>Records that this process monitors <paramref name="target"/> under <paramref name="monitor"/>.</summary>
    public void AddMonitoring(Ref monitor, Pid target)
    {
        lock (_gate)
        {
            if (!_exited)
            {
                (_monitoring ??= [])[monitor] = target;
            }
        }
    }

    /// <summary>Forgets a monitor of this process's; returns its target when it existed.</summary>
    public bool RemoveMonitoring(Ref monitor, out Pid target)
    {
        lock (_gate)
        {
            target = default;
            return _monitoring is not null && _monitoring.Remove(monitor, out target);
        }
    }

    public void AddName(string name)
    {
        lock (_gate)
        {
            (_names ??= []).Add(name);
        }
    }

    public void RemoveName(string name)
    {
        lock (_gate)
        {
            _names?.Remove(name);
        }
    }

    /// <summary>
    /// An exit signal from <paramref name="from"/>: a linked process ended, or
    /// (<paramref name="explicitSignal"/>) someone called exit on this process.
    /// </summary>
    public void OnExitSignal(Pid from, object? reason, bool explicitSignal)
    {
        if (explicitSignal && reason is Atom kill && kill == Exits.Kill)
        {
            Terminate(Exits.Killed);
            return;
        }

        bool trapping;
        lock (_gate)
        {
            if (_exited || (!explicitSignal && (_links is null || !_links.Remove(from))))
            {
                return;
            }

            trapping = TrapExit;
        }

        if (trapping)
        {
            Mailbox.Post(new ExitMessage(from, reason));
        }
        else if (!Exits.IsNormal(reason))
        {
            Terminate(reason);
        }
    }

    /// <summary>A process this one monitors ended.</summary>
    public void OnDown(Ref monitor, Pid pid, object? reason)
    {
        if (RemoveMonitoring(monitor, out _))
        {
            Mailbox.Post(new DownMessage(monitor, pid, reason));
        }
    }

    /// <summary>The link to <paramref name="node"/> broke: links and monitors to its processes end with <c>noconnection</c>.</summary>
    public void OnNodeDown(NodeName node)
    {
        List<Pid>? brokenLinks = null;
        List<(Ref, Pid)>? brokenMonitors = null;
        lock (_gate)
        {
            if (_exited)
            {
                return;
            }

            if (_links is not null)
            {
                brokenLinks = [.. _links.Where(p => p.Node == node)];
            }

            if (_monitoring is not null)
            {
                brokenMonitors = [.. _monitoring.Where(m => m.Value.Node == node).Select(m => (m.Key, m.Value))];
            }

            _watchers?.Where(w => w.Value.Node == node).Select(w => w.Key).ToList().ForEach(r => _watchers.Remove(r));
        }

        foreach (var pid in brokenLinks ?? [])
        {
            OnExitSignal(pid, Exits.NoConnection, explicitSignal: false);
        }

        foreach (var (monitor, pid) in brokenMonitors ?? [])
        {
            OnDown(monitor, pid, Exits.NoConnection);
        }
    }

    /// <summary>Ends the process with <paramref name="reason"/>; only the first call has an effect.</summary>
    public void Terminate(object? reason)
    {
        HashSet<Pid>? links;
        Dictionary<Ref, Pid>? watchers;
        Dictionary<Ref, Pid>? monitoring;
        List<string>? names;
        lock (_gate)
        {
            if (_exited)
            {
                return;
            }

            _exited = true;
            (links, watchers, monitoring, names) = (_links, _watchers, _monitoring, _names);
            (_links, _watchers, _monitoring, _names) = (null, null, null, null);
        }

        Mailbox.Close(reason);
        _cancellation.Cancel();
        _registry.Remove(this, names);
        foreach (var linked in links ?? [])
        {
            _registry.Resolve(linked).Exit(linked, Pid, reason, explicitSignal: false);
        }

        foreach (var (monitor, watcher) in watchers ?? [])
        {
            _registry.Resolve(watcher).Down(watcher, monitor, Pid, reason);
        }

        foreach (var (monitor, target) in monitoring ?? [])
        {
            if (!target.Node.IsEmpty)
            {
                _registry.Resolve(target).Demonitor(target, Pid, monitor);
            }
        }
    }
}

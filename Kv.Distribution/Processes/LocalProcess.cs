using Kv.Distribution.Terms;

namespace Kv.Distribution.Processes;

/// <summary>
/// A process on this node: its mailbox, its links, who monitors it and whom it monitors. It ends
/// once (<see cref="Terminate"/>): its links get exit signals, its monitors get down messages, its
/// own monitors are removed, its name is released and its mailbox is dropped, so nothing of it is
/// left behind.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "The cancellation token must stay usable after the process ends; a source without timers holds nothing to release.")]
internal sealed class LocalProcess
{
    private readonly Node _node;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _cancellation = new();
    private HashSet<Pid>? _links;
    private Dictionary<Ref, Pid>? _watchers;
    private Dictionary<Ref, Pid>? _monitoring;
    private List<string>? _names;
    private bool _exited;

    public LocalProcess(Node node, Pid pid, Pid groupLeader)
    {
        _node = node;
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
    public void OnNodeDown(string node)
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
        _node.Processes.Remove(this, names);
        foreach (var linked in links ?? [])
        {
            _node.SendExitSignal(Pid, linked, reason, explicitSignal: false);
        }

        foreach (var (monitor, watcher) in watchers ?? [])
        {
            _node.SendDown(watcher, monitor, Pid, reason);
        }

        foreach (var (monitor, target) in monitoring ?? [])
        {
            _node.SendDemonitor(Pid, target, monitor);
        }
    }
}

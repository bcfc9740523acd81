using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Kv.Distribution.Connections;
using Kv.Distribution.Nodes;
using Kv.Distribution.Servers;
using Kv.Distribution.Terms;

namespace Kv.Distribution.Processes;

/// <summary>
/// Where a pid leads (Proto.Actor's <c>ProcessRegistry</c>): the processes of this node by id, the
/// registered names (Erlang's <c>Process.register</c>), and <see cref="Resolve"/>, which gives every
/// pid something to signal: a local process, the node's remote processes, the reply pid, or a dead letter.
/// </summary>
internal sealed class ProcessRegistry
{
    private readonly ConcurrentDictionary<ulong, LocalProcess> _processes = new();
    private readonly ConcurrentDictionary<string, LocalProcess> _names = new(StringComparer.Ordinal);
    private readonly NodeName _node;
    private readonly uint _creation;
    private long _nextId;
    private long _nextRef;

    public ProcessRegistry(NodeName node, uint creation, ConnectionManager links, DistributionMetrics metrics, Microsoft.Extensions.Logging.ILogger logger)
    {
        _node = node;
        _creation = creation;
        Remote = new RemoteProcess(links, this, metrics, logger);
        ReplyPid = new Pid(node, 0, creation);
        DeadLetters = new DeadLetterProcess(this, metrics);
    }

    public int Count => _processes.Count;

    public IEnumerable<LocalProcess> All => _processes.Values;

    /// <summary>Waits for replies of code that is not a process; fed through <see cref="ReplyPid"/>.</summary>
    public PendingReplies Replies { get; } = new();

    /// <summary>The pid that routes replies and down messages to <see cref="Replies"/> (id 0, never a real process).</summary>
    public Pid ReplyPid { get; }

    /// <summary>The processes of every other node.</summary>
    public RemoteProcess Remote { get; }

    /// <summary>What a pid of this node that names no live process resolves to.</summary>
    public DeadLetterProcess DeadLetters { get; }

    public Pid NewPid() => new(_node, (ulong)Interlocked.Increment(ref _nextId), _creation);

    /// <summary>A new reference, unique across nodes and incarnations.</summary>
    public Ref MakeRef() => new(_node, (ulong)Interlocked.Increment(ref _nextRef), _creation);

    /// <summary>
    /// What <paramref name="pid"/> leads to: its process when it runs here, <see cref="Replies"/> for
    /// the reply pid, <see cref="Remote"/> when it lives on another node, else a dead letter (an
    /// ended process, or one of a former incarnation of this node).
    /// </summary>
    public IProcess Resolve(Pid pid)
    {
        if (pid.Node != _node)
        {
            return Remote;
        }

        if (pid.Creation == _creation)
        {
            if (_processes.TryGetValue(pid.Id, out var process))
            {
                return process;
            }

            if (pid.Id == 0)
            {
                return Replies;
            }
        }

        return DeadLetters;
    }

    /// <summary>
    /// Monitors <paramref name="target"/> on behalf of the reply pid under <paramref name="tag"/>, so
    /// that its end fails the wait for the reply; an absent or unreachable target fails it at once.
    /// </summary>
    public void MonitorForReply(ServerRef target, Ref tag)
    {
        if (target.Pid is { } pid)
        {
            Resolve(pid).Monitor(pid, ReplyPid, tag);
        }
        else if (target.Node != _node)
        {
            Remote.Monitor(target.Name!, target.Node, ReplyPid, tag);
        }
        else if (TryGet(target.Name!, out var named))
        {
            ((IProcess)named).Monitor(named.Pid, ReplyPid, tag);
        }
        else
        {
            Replies.Down(tag, Exits.NoProc);
        }
    }

    /// <summary>Removes a monitor of the reply pid's.</summary>
    public void DemonitorForReply(ServerRef target, Ref tag)
    {
        if (target.Pid is { } pid)
        {
            Resolve(pid).Demonitor(pid, ReplyPid, tag);
        }
        else if (target.Node != _node)
        {
            Remote.Demonitor(target.Name!, target.Node, ReplyPid, tag);
        }
        else if (TryGet(target.Name!, out var named))
        {
            named.RemoveWatcher(tag);
        }
    }

    public void Add(LocalProcess process) => _processes[process.Pid.Id] = process;

    public bool TryGet(Pid pid, [NotNullWhen(true)] out LocalProcess? process)
    {
        process = null;
        return pid.Creation == _creation && pid.Node == _node && _processes.TryGetValue(pid.Id, out process);
    }

    public bool TryGet(string name, [NotNullWhen(true)] out LocalProcess? process) => _names.TryGetValue(name, out process);

    /// <summary>Registers <paramref name="name"/> for <paramref name="process"/>; <see langword="false"/> when the name is taken or the process has ended.</summary>
    public bool Register(string name, LocalProcess process)
    {
        if (!_names.TryAdd(name, process))
        {
            return false;
        }

        process.AddName(name);
        if (!process.IsAlive)
        {
            _names.TryRemove(KeyValuePair.Create(name, process));
            return false;
        }

        return true;
    }

    public bool Unregister(string name)
    {
        if (!_names.TryRemove(name, out var process))
        {
            return false;
        }

        process.RemoveName(name);
        return true;
    }

    public void Remove(LocalProcess process, List<string>? names)
    {
        _processes.TryRemove(KeyValuePair.Create(process.Pid.Id, process));
        foreach (var name in names ?? [])
        {
            _names.TryRemove(KeyValuePair.Create(name, process));
        }
    }

    /// <summary>
    /// <paramref name="node"/> went down, or could not be reached: every link and monitor between a
    /// process here and one there ends with <c>noconnection</c>, and so does every wait for a reply from there.
    /// </summary>
    public void OnNodeDown(NodeName node)
    {
        Replies.NodeDown(node);
        foreach (var process in _processes.Values)
        {
            process.OnNodeDown(node);
        }
    }
}

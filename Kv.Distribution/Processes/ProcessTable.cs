using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Kv.Distribution.Terms;

namespace Kv.Distribution.Processes;

/// <summary>The processes of a node by id, and the registered names (Erlang's <c>Process.register</c>).</summary>
internal sealed class ProcessTable(string node, uint creation)
{
    private readonly ConcurrentDictionary<ulong, LocalProcess> _processes = new();
    private readonly ConcurrentDictionary<string, LocalProcess> _names = new(StringComparer.Ordinal);
    private long _nextId;

    public int Count => _processes.Count;

    public IEnumerable<LocalProcess> All => _processes.Values;

    public Pid NewPid() => new(node, (ulong)Interlocked.Increment(ref _nextId), creation);

    public void Add(LocalProcess process) => _processes[process.Pid.Id] = process;

    /// <summary>Whether <paramref name="pid"/> names a process of this incarnation of this node.</summary>
    public bool IsLocal(Pid pid) => pid.Creation == creation && pid.Node == node;

    public bool TryGet(Pid pid, [NotNullWhen(true)] out LocalProcess? process)
    {
        process = null;
        return IsLocal(pid) && _processes.TryGetValue(pid.Id, out process);
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
}

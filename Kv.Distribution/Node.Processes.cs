using Kv.Distribution.Connections;
using Kv.Distribution.Nodes;
using Kv.Distribution.Processes;
using Kv.Distribution.Rpc;
using Kv.Distribution.Terms;
using Kv.Distribution.Wire;

namespace Kv.Distribution;

/// <summary>Processes: spawn, send, registered names, links and monitors, here and across nodes.</summary>
public sealed partial class Node
{
    private static readonly Atom s_ioSync = new("io_sync");
    private long _nextRef;

    /// <summary>The node's console group leader: the process that writes io requests to this node's console.</summary>
    public Pid GroupLeader { get; private set; }

    /// <summary>How many processes run on this node.</summary>
    public int ProcessCount => Processes.Count;

    internal ProcessTable Processes { get; }

    /// <summary>Waits for replies of code that is not a process; fed through <see cref="ReplyPid"/>.</summary>
    internal PendingReplies Replies { get; } = new();

    /// <summary>The pid that routes replies and down messages to <see cref="Replies"/> (id 0, never a real process).</summary>
    internal Pid ReplyPid { get; }

    /// <summary>A new reference, unique across nodes and incarnations.</summary>
    public Ref MakeRef() => new(_nameText, (ulong)Interlocked.Increment(ref _nextRef), Creation);

    /// <summary>Starts a process on this node running <paramref name="body"/>, outside any other process.</summary>
    public Pid Spawn(Func<ProcessContext, Task> body) => SpawnLocal(body, GroupLeader, linkTo: null, monitor: null);

    /// <summary>Starts a process on <paramref name="node"/> running an exported function, from outside any process.</summary>
    /// <exception cref="RpcException">The node cannot be reached, or does not export the function.</exception>
    public Task<Pid> SpawnAsync(NodeName node, string module, string function, object?[] args, CancellationToken cancellationToken = default) =>
        SpawnRemoteAsync(node, module, function, args, caller: null, ConsoleForwarding.CurrentGroupLeader ?? GroupLeader, link: false, monitor: null, cancellationToken);

    /// <summary>Completes with <paramref name="pid"/>'s exit reason when it ends (at once with <c>noproc</c> when it does not exist).</summary>
    /// <exception cref="ExitException">With <see cref="Exits.Timeout"/> when it is still running after <paramref name="timeout"/>.</exception>
    public async Task<object?> WhenExitedAsync(Pid pid, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var tag = MakeRef();
        var down = Replies.Expect(tag, pid.Node);
        MonitorForReply(pid, tag);
        try
        {
            await down.WaitAsync(timeout, cancellationToken);
            return null;
        }
        catch (ExitException exit)
        {
            return exit.Reason;
        }
        catch (TimeoutException)
        {
            Replies.Forget(tag);
            DemonitorForReply(pid, tag);
            throw new ExitException(Exits.Timeout);
        }
    }

    /// <summary>Completes once the console group leader has written all output it had received before the call.</summary>
    public async Task FlushConsoleAsync(TimeSpan timeout)
    {
        var tag = MakeRef();
        var done = Replies.Expect(tag, _nameText);
        Send(GroupLeader, new object?[] { s_ioSync, ReplyPid, tag });
        try
        {
            await done.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            Replies.Forget(tag);
        }
    }

    /// <summary>Sends <paramref name="message"/> to <paramref name="to"/>. Never throws: a message to a dead process or an unreachable node is dropped.</summary>
    /// <remarks>The first message to a node that is not linked yet waits for the link to come up, as Erlang's send does.</remarks>
    public void Send(Pid to, object? message)
    {
        if (Processes.TryGet(to, out var process))
        {
            process.Mailbox.Post(message);
            return;
        }

        if (to == ReplyPid)
        {
            Replies.Deliver(message);
            return;
        }

        if (to.Node != _nameText)
        {
            WithLink(to.Node, connection => connection.Send(new SendFrame(to, message)));
        }
    }

    /// <summary>Sends <paramref name="message"/> to the process registered as <paramref name="name"/> on <paramref name="node"/>.</summary>
    public void Send(string name, NodeName node, object? message, Pid? from = null)
    {
        if (node == Name)
        {
            if (Processes.TryGet(name, out var process))
            {
                process.Mailbox.Post(message);
            }

            return;
        }

        WithLink(node.ToString(), connection => connection.Send(new RegSendFrame(from, name, message)));
    }

    /// <summary>The pid registered as <paramref name="name"/> here (Erlang's <c>Process.whereis</c>), or <see langword="null"/>.</summary>
    public Pid? WhereIs(string name) => Processes.TryGet(name, out var process) ? process.Pid : null;

    /// <summary>Registers <paramref name="pid"/>, a process of this node, as <paramref name="name"/>; the name goes when the process ends.</summary>
    /// <returns><see langword="false"/> when the name is taken or the process is not alive here.</returns>
    public bool Register(string name, Pid pid) =>
        Processes.TryGet(pid, out var process) && Processes.Register(name, process);

    /// <summary>Removes a registered name.</summary>
    public bool Unregister(string name) => Processes.Unregister(name);

    internal Pid SpawnLocal(Func<ProcessContext, Task> body, Pid? groupLeader, Pid? linkTo, (Ref Monitor, Pid Watcher)? monitor)
    {
        var process = CreateProcess(groupLeader, linkTo, monitor);
        Run(process, body);
        return process.Pid;
    }

    /// <summary>Makes a process, with its link and monitor in place, registered but not running yet.</summary>
    private LocalProcess CreateProcess(Pid? groupLeader, Pid? linkTo, (Ref Monitor, Pid Watcher)? monitor)
    {
        var pid = Processes.NewPid();
        var process = new LocalProcess(this, pid, groupLeader ?? pid);
        if (linkTo is { } linked)
        {
            process.AddLink(linked);
            if (Processes.TryGet(linked, out var local))
            {
                local.AddLink(pid);
            }
        }

        if (monitor is { } m)
        {
            process.AddWatcher(m.Monitor, m.Watcher);
            if (Processes.TryGet(m.Watcher, out var watcher))
            {
                watcher.AddMonitoring(m.Monitor, pid);
            }
        }

        Processes.Add(process);
        return process;
    }

    /// <summary>Starts <paramref name="process"/> running <paramref name="body"/> on the thread pool.</summary>
    private void Run(LocalProcess process, Func<ProcessContext, Task> body) =>
        ThreadPool.UnsafeQueueUserWorkItem(static state => _ = RunProcessAsync(state.Node, state.Process, state.Body), (Node: this, Process: process, Body: body), preferLocal: false);

    internal async Task<Pid> SpawnRemoteAsync(NodeName node, string module, string function, object?[] args, LocalProcess? caller, Pid groupLeader, bool link, Ref? monitor, CancellationToken cancellationToken)
    {
        var connection = await GetConnectionAsync(node, cancellationToken);
        var from = caller?.Pid ?? groupLeader;
        var pending = new SpawnCompletion(
            Environment.TickCount64 + (long)Options.CallTimeout.TotalMilliseconds, module, function, caller, link, monitor);
        var reply = await connection.RequestAsync(
            id => new SpawnRequestFrame(id, from, groupLeader, module, function, args, link, monitor),
            pending,
            cancellationToken);
        return (Pid)reply!;
    }

    internal void Link(LocalProcess from, Pid to)
    {
        from.AddLink(to);
        if (Processes.TryGet(to, out var target))
        {
            if (!target.AddLink(from.Pid))
            {
                from.OnExitSignal(to, Exits.NoProc, explicitSignal: false);
            }
        }
        else if (to.Node == _nameText || !WithLink(to.Node, c => c.Send(SignalFrame.Link(from.Pid, to))))
        {
            from.OnExitSignal(to, to.Node == _nameText ? Exits.NoProc : Exits.NoConnection, explicitSignal: false);
        }
    }

    internal void Unlink(LocalProcess from, Pid to)
    {
        from.RemoveLink(to);
        if (Processes.TryGet(to, out var target))
        {
            target.RemoveLink(from.Pid);
        }
        else if (to.Node != _nameText)
        {
            WithLink(to.Node, c => c.Send(SignalFrame.Unlink(from.Pid, to)));
        }
    }

    internal Ref Monitor(LocalProcess watcher, Pid target)
    {
        var monitor = MakeRef();
        watcher.AddMonitoring(monitor, target);
        if (Processes.TryGet(target, out var process))
        {
            if (!process.AddWatcher(monitor, watcher.Pid))
            {
                watcher.OnDown(monitor, target, Exits.NoProc);
            }
        }
        else if (target.Node == _nameText || !WithLink(target.Node, c => c.Send(new MonitorFrame(true, watcher.Pid, target, monitor))))
        {
            watcher.OnDown(monitor, target, target.Node == _nameText ? Exits.NoProc : Exits.NoConnection);
        }

        return monitor;
    }

    /// <summary>
    /// Monitors <paramref name="target"/> on behalf of the reply pid under <paramref name="tag"/>, so
    /// that its end fails the wait for the reply; an absent target fails it at once.
    /// </summary>
    internal void MonitorForReply(Servers.ServerRef target, Ref tag)
    {
        if (target.Pid is { } pid)
        {
            if (Processes.TryGet(pid, out var process))
            {
                if (!process.AddWatcher(tag, ReplyPid))
                {
                    Replies.Down(tag, Exits.NoProc);
                }
            }
            else if (pid.Node == _nameText || !WithLink(pid.Node, c => c.Send(new MonitorFrame(true, ReplyPid, pid, tag))))
            {
                Replies.Down(tag, pid.Node == _nameText ? Exits.NoProc : Exits.NoConnection);
            }
        }
        else if (target.Node == Name)
        {
            if (!Processes.TryGet(target.Name!, out var named) || !named.AddWatcher(tag, ReplyPid))
            {
                Replies.Down(tag, Exits.NoProc);
            }
        }
        else if (!WithLink(target.Node.ToString(), c => c.Send(new MonitorFrame(true, ReplyPid, target.Name!, tag))))
        {
            Replies.Down(tag, Exits.NoConnection);
        }
    }

    /// <summary>Removes a monitor of the reply pid's on a process.</summary>
    internal void DemonitorForReply(Pid target, Ref tag) => DemonitorForReply(Servers.ServerRef.To(target), tag);

    /// <summary>Removes a monitor of the reply pid's.</summary>
    internal void DemonitorForReply(Servers.ServerRef target, Ref tag)
    {
        var node = target.Pid?.Node ?? target.Node.ToString();
        if (node == _nameText)
        {
            var found = target.Pid is { } pid ? Processes.TryGet(pid, out var process) : Processes.TryGet(target.Name!, out process);
            if (found)
            {
                process!.RemoveWatcher(tag);
            }
        }
        else if (_connections.TryGetValue(NodeNameOf(node), out var connection))
        {
            connection.Send(new MonitorFrame(false, ReplyPid, (object?)target.Pid ?? target.Name!, tag));
        }
    }

    internal void Demonitor(LocalProcess watcher, Ref monitor)
    {
        if (watcher.RemoveMonitoring(monitor, out var target))
        {
            SendDemonitor(watcher.Pid, target, monitor);
        }
    }

    internal void SendDemonitor(Pid from, Pid target, Ref monitor)
    {
        if (Processes.TryGet(target, out var process))
        {
            process.RemoveWatcher(monitor);
        }
        else if (target.Node != _nameText && _connections.TryGetValue(NodeNameOf(target.Node), out var connection))
        {
            connection.Send(new MonitorFrame(false, from, target, monitor));
        }
    }

    internal void SendExitSignal(Pid from, Pid to, object? reason, bool explicitSignal)
    {
        if (Processes.TryGet(to, out var process))
        {
            process.OnExitSignal(from, reason, explicitSignal);
        }
        else if (to.Node != _nameText && _connections.TryGetValue(NodeNameOf(to.Node), out var connection))
        {
            connection.Send(SignalFrame.Exit(from, to, reason, explicitSignal));
        }
    }

    internal void SendDown(Pid watcher, Ref monitor, Pid of, object? reason)
    {
        if (watcher == ReplyPid)
        {
            Replies.Down(monitor, reason);
        }
        else if (Processes.TryGet(watcher, out var process))
        {
            process.OnDown(monitor, of, reason);
        }
        else if (watcher.Node != _nameText && _connections.TryGetValue(NodeNameOf(watcher.Node), out var connection))
        {
            connection.Send(SignalFrame.Down(watcher, monitor, of, reason));
        }
    }

    internal void OnRemoteLink(Pid from, Pid to)
    {
        if (!Processes.TryGet(to, out var process) || !process.AddLink(from))
        {
            SendExitSignal(to, from, Exits.NoProc, explicitSignal: false);
        }
    }

    internal void OnRemoteUnlink(Pid from, Pid to)
    {
        if (Processes.TryGet(to, out var process))
        {
            process.RemoveLink(from);
        }
    }

    internal void OnRemoteMonitor(Pid from, object target, Ref monitor)
    {
        var found = target is Pid pid ? Processes.TryGet(pid, out var process) : Processes.TryGet((string)target, out process);
        if (!found || !process!.AddWatcher(monitor, from))
        {
            SendDown(from, monitor, target as Pid? ?? new Pid(_nameText, 0, 0), Exits.NoProc);
        }
    }

    internal void OnRemoteDemonitor(object target, Ref monitor)
    {
        var found = target is Pid pid ? Processes.TryGet(pid, out var process) : Processes.TryGet((string)target, out process);
        if (found)
        {
            process!.RemoveWatcher(monitor);
        }
    }

    internal void OnRegSend(string name, object? message)
    {
        if (Processes.TryGet(name, out var process))
        {
            process.Mailbox.Post(message);
        }
    }

    internal void OnSpawnRequest(NodeConnection connection, ulong requestId, Pid from, Pid groupLeader, string module, string function, object?[] args, bool link, Ref? monitor)
    {
        if (!Functions.TryGet(module, function, out var exported))
        {
            connection.Send(new SpawnReplyFrame(requestId, null, RpcException.Undefined(_nameText, module, function).Message));
            return;
        }

        if (exported.ArgumentCountProblem(args.Length) is { } problem)
        {
            connection.Send(new SpawnReplyFrame(requestId, null, problem));
            return;
        }

        // The reply goes before the process runs: a process that ends at once must not have its
        // exit signal or down message reach the caller ahead of the pid it is about.
        var process = CreateProcess(groupLeader, link ? from : null, monitor is { } m ? (m, from) : null);
        connection.Send(new SpawnReplyFrame(requestId, process.Pid, null));
        Run(process, context => exported.InvokeAsync(args, context).AsTask());
    }

    /// <summary>Runs <paramref name="action"/> on the link to <paramref name="node"/>, setting it up first if needed.</summary>
    /// <returns><see langword="false"/> when the node cannot be reached.</returns>
    private bool WithLink(string node, Action<NodeConnection> action)
    {
        var name = NodeNameOf(node);
        if (name.IsEmpty)
        {
            return false;
        }

        if (!_connections.TryGetValue(name, out var connection) || connection.IsClosed)
        {
            try
            {
                // Sends are synchronous, as in Erlang: the first one to a node waits for its link.
                connection = GetConnectionAsync(name, _stopping.Token).AsTask().GetAwaiter().GetResult();
            }
            catch (Exception ex) when (ex is RpcException or OperationCanceledException or ObjectDisposedException)
            {
                return false;
            }
        }

        action(connection);
        return true;
    }

    private NodeName NodeNameOf(string node) =>
        _nodeNames.GetOrAdd(node, static text => NodeName.TryParse(text, out var name, out _) ? name : default);

    private static async Task RunProcessAsync(Node node, LocalProcess process, Func<ProcessContext, Task> body)
    {
        var context = new ProcessContext(node, process);
        ProcessContext.SetCurrent(context);
        ConsoleForwarding.CurrentGroupLeader = process.GroupLeader;
        object? reason = Exits.Normal;
        try
        {
            await body(context);
        }
        catch (ExitException ex)
        {
            reason = ex.Reason;
        }
        catch (OperationCanceledException) when (process.Cancellation.IsCancellationRequested)
        {
            reason = Exits.Killed;
        }
        catch (Exception ex)
        {
            reason = Exits.Exception(ex);
            DistributionLog.ProcessCrashed(node.Logger, process.Pid.ToString(), ex);
        }

        process.Terminate(reason);
    }

    private void OnNodeDownForProcesses(NodeName node)
    {
        var text = node.ToString();
        Replies.NodeDown(text);
        foreach (var process in Processes.All)
        {
            process.OnNodeDown(text);
        }
    }

    /// <summary>The console group leader: writes the text of io requests to this node's console, in arrival order.</summary>
    private async Task RunConsoleGroupLeaderAsync(ProcessContext context)
    {
        var console = Options.Console ?? Console.Out;
        while (true)
        {
            var message = await context.ReceiveAsync();
            if (message is object?[] { Length: 2 } request && request[0] is Atom tag && tag == GroupLeaderWriter.IoRequest && request[1] is string text)
            {
                await console.WriteAsync(text);
                await console.FlushAsync();
            }
            else if (message is object?[] { Length: 3 } sync && sync[0] is Atom syncTag && syncTag == s_ioSync && sync[1] is Pid replyTo && sync[2] is Ref reference)
            {
                context.Send(replyTo, new object?[] { reference, Exits.Normal });
            }
        }
    }
}

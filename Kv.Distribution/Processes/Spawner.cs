using Kv.Distribution.Connections;
using Kv.Distribution.Control;
using Kv.Distribution.Nodes;
using Kv.Distribution.Rpc;
using Kv.Distribution.Support;
using Kv.Distribution.Terms;

namespace Kv.Distribution.Processes;

/// <summary>
/// Starts processes: a body of code on this node, or an exported function on any node by module,
/// function and arguments, linked to or monitored by its caller as asked. A spawn on this node by
/// name is a local spawn, as Erlang's <c>Node.spawn(node(), ...)</c> is; one on another node is a
/// request on the link, answered before the process runs.
/// </summary>
internal sealed class Spawner(Node node, ProcessRegistry registry, FunctionInvoker invoker, ConnectionManager links)
{
    /// <summary>Starts a process on this node running <paramref name="body"/>.</summary>
    public Pid Spawn(Func<ProcessContext, Task> body, Pid? groupLeader, Pid? linkTo, (Ref Monitor, Pid Watcher)? monitor)
    {
        var process = Create(groupLeader, linkTo, monitor);
        Run(process, body);
        return process.Pid;
    }

    /// <summary>
    /// Starts a process on <paramref name="target"/> running an exported function, linked to
    /// <paramref name="caller"/> and monitored by it under <paramref name="monitor"/> as asked.
    /// </summary>
    /// <exception cref="RpcException">Undefined or BadArg; NoConnection or Timeout for another node.</exception>
    public async Task<Pid> SpawnAsync(NodeName target, string module, string function, object?[] args, LocalProcess? caller, Pid groupLeader, bool link, Ref? monitor, CancellationToken cancellationToken)
    {
        var from = caller?.Pid ?? groupLeader;
        if (target == node.Name)
        {
            var exported = invoker.Find(module, function, args.Length, asProcess: true);
            return Spawn(context => exported.InvokeAsync(args, context).AsTask(), groupLeader, link ? from : null, monitor is { } m ? (m, from) : null);
        }

        var deadline = Deadline.After(node.Options.CallTimeout);
        var connection = await links.GetConnectionAsync(target, deadline, cancellationToken);
        var pending = new SpawnCompletion(deadline, module, function, caller, link, monitor);
        var reply = await connection.RequestAsync(
            new SpawnRequestFrame(0, from, groupLeader, module, function, args, link, monitor),
            pending,
            cancellationToken);
        return (Pid)reply!;
    }

    /// <summary>Serves a peer's spawn request: the reply goes before the process runs.</summary>
    public void Serve(NodeConnection connection, in SpawnRequestFrame request)
    {
        ExportedFunction exported;
        try
        {
            exported = invoker.Find(request.Module, request.Function, request.Args.Length, asProcess: true);
        }
        catch (RpcException failure)
        {
            connection.Send(new SpawnReplyFrame(request.RequestId, null, failure.Message));
            return;
        }

        // A process that ends at once must not have its exit signal or down message reach the
        // caller ahead of the pid it is about.
        var process = Create(request.GroupLeader, request.Link ? request.From : null, request.Monitor is { } m ? (m, request.From) : null);
        connection.Send(new SpawnReplyFrame(request.RequestId, process.Pid, null));
        var args = request.Args;
        Run(process, context => exported.InvokeAsync(args, context).AsTask());
    }

    /// <summary>Makes a process, with its link and monitor in place, registered but not running yet.</summary>
    private LocalProcess Create(Pid? groupLeader, Pid? linkTo, (Ref Monitor, Pid Watcher)? monitor)
    {
        var pid = registry.NewPid();
        var process = new LocalProcess(registry, pid, groupLeader ?? pid);
        if (linkTo is { } linked)
        {
            process.AddLink(linked);
            if (registry.TryGet(linked, out var local))
            {
                local.AddLink(pid);
            }
        }

        if (monitor is { } m)
        {
            process.AddWatcher(m.Monitor, m.Watcher);
            if (registry.TryGet(m.Watcher, out var watcher))
            {
                watcher.AddMonitoring(m.Monitor, pid);
            }
        }

        registry.Add(process);
        return process;
    }

    /// <summary>Starts <paramref name="process"/> running <paramref name="body"/> on the thread pool.</summary>
    private void Run(LocalProcess process, Func<ProcessContext, Task> body) =>
        ThreadPool.UnsafeQueueUserWorkItem(static state => _ = RunAsync(state.Node, state.Process, state.Body), (Node: node, Process: process, Body: body), preferLocal: false);

    private static async Task RunAsync(Node node, LocalProcess process, Func<ProcessContext, Task> body)
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
}

using Kv.Distribution.Processes;
using Kv.Distribution.Support;
using Kv.Distribution.Terms;

namespace Kv.Distribution.Servers;

/// <summary>Who made a call: where the reply goes, its tag, and the calling process when there is one.</summary>
/// <param name="ReplyTo">Where the reply is sent.</param>
/// <param name="Tag">The call's reference.</param>
/// <param name="Caller">The calling process, or <see langword="null"/> when the caller is not a process.</param>
public readonly record struct CallFrom(Pid ReplyTo, Ref Tag, Pid? Caller);

/// <summary>
/// A server process in the style of Erlang's <c>gen_server</c>: state lives in the subclass, and
/// messages are handled one at a time by <see cref="HandleCallAsync"/> (a request that gets a
/// reply), <see cref="HandleCastAsync"/> (a request without one) and <see cref="HandleInfoAsync"/>
/// (any other message). Throw <see cref="ExitException"/> from a handler to stop the server with a
/// reason; any other exception stops it too, with that exception as the reason.
/// </summary>
/// <remarks>
/// Call one with <see cref="CallAsync"/> by pid or by <c>(name, node)</c>, from any code: a process
/// or not, on this node or another.
/// </remarks>
public abstract class GenServer
{
    /// <summary>The first element of a call message: <c>[:"$gen_call", [replyTo, tag, caller], request]</c>.</summary>
    public static readonly Atom CallTag = new("$gen_call");

    /// <summary>The first element of a cast message: <c>[:"$gen_cast", request]</c>.</summary>
    public static readonly Atom CastTag = new("$gen_cast");

    /// <summary>The default call timeout, as Elixir's: 5 seconds.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    private ProcessContext? _context;

    /// <summary>The server's own process, once started.</summary>
    protected ProcessContext Context => _context ?? throw new InvalidOperationException("The server has not started.");

    /// <summary>
    /// Starts <paramref name="server"/> in a new process on <paramref name="node"/>, registered as
    /// <paramref name="name"/> when given: the name is taken before this returns, so the server can
    /// be found by it at once (its messages wait in its mailbox until its init has run). A name
    /// another process holds ends the new one with <c>[already_started, name]</c>.
    /// </summary>
    public static Pid Start(Node node, GenServer server, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(server);
        return Named(node, node.Spawn(context => server.RunAsync(context, name)), name);
    }

    /// <summary>Starts <paramref name="server"/> in a new process linked to <paramref name="parent"/> (as a supervisor starts its children), named as <see cref="Start"/> names it.</summary>
    public static Pid StartLink(ProcessContext parent, GenServer server, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(parent);
        ArgumentNullException.ThrowIfNull(server);
        return Named(parent.Node, parent.SpawnLink(context => server.RunAsync(context, name)), name);
    }

    /// <summary>Registers <paramref name="name"/> for the new server <paramref name="pid"/> if it is free; the server checks it again when it runs (<see cref="RunAsync"/>).</summary>
    private static Pid Named(Node node, Pid pid, string? name)
    {
        if (name is not null)
        {
            node.Register(name, pid);
        }

        return pid;
    }

    /// <summary>
    /// Sends <paramref name="request"/> to <paramref name="server"/> and waits for the reply.
    /// </summary>
    /// <exception cref="ExitException">
    /// With reason <see cref="Exits.NoProc"/> when there is no such server, <see cref="Exits.Timeout"/>
    /// when no reply came within <paramref name="timeout"/> (5 s by default), <see cref="Exits.NoConnection"/>
    /// when its node cannot be reached or goes away, or the server's exit reason when it ended first.
    /// </exception>
    public static async Task<object?> CallAsync(Node node, ServerRef server, object? request, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(node);
        var tag = node.MakeRef();
        var reply = node.Replies.Expect(tag, server.Pid?.Node ?? server.Node);
        node.Processes.MonitorForReply(server, tag);
        if (!reply.IsCompleted)
        {
            Send(node, server, new object?[] { CallTag, new object?[] { node.ReplyPid, tag, ProcessContext.Current?.Self }, request });
        }

        try
        {
            return await Deadline.WaitAsync(reply, timeout ?? DefaultTimeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            if (!node.Replies.Forget(tag))
            {
                return await reply;
            }

            throw new ExitException(Exits.Timeout);
        }
        finally
        {
            node.Processes.DemonitorForReply(server, tag);
        }
    }

    /// <summary>Sends <paramref name="request"/> to <paramref name="server"/> without waiting; dropped when there is no such server.</summary>
    public static void Cast(Node node, ServerRef server, object? request)
    {
        ArgumentNullException.ThrowIfNull(node);
        Send(node, server, new object?[] { CastTag, request });
    }

    /// <summary>Sends the reply to a call handled later than in <see cref="HandleCallAsync"/>.</summary>
    public static void Reply(Node node, CallFrom from, object? reply)
    {
        ArgumentNullException.ThrowIfNull(node);
        node.Send(from.ReplyTo, new object?[] { from.Tag, reply });
    }

    /// <summary>Runs once in the new process before any message is handled.</summary>
    protected virtual ValueTask InitAsync() => ValueTask.CompletedTask;

    /// <summary>Handles a call; the value returned is the reply.</summary>
    protected virtual ValueTask<object?> HandleCallAsync(object? request, CallFrom from) =>
        throw new ExitException(new object?[] { new Atom("bad_call"), request });

    /// <summary>Handles a cast.</summary>
    protected virtual ValueTask HandleCastAsync(object? request) => ValueTask.CompletedTask;

    /// <summary>Handles any other message, such as <see cref="ExitMessage"/> or <see cref="DownMessage"/>.</summary>
    protected virtual ValueTask HandleInfoAsync(object? message) => ValueTask.CompletedTask;

    /// <summary>Runs when the server stops with <paramref name="reason"/> (not when it is killed).</summary>
    protected virtual ValueTask TerminateAsync(object? reason) => ValueTask.CompletedTask;

    private static void Send(Node node, ServerRef server, object? message)
    {
        if (server.Pid is { } pid)
        {
            node.Send(pid, message);
        }
        else
        {
            node.Send(server.Name!, server.Node, message, ProcessContext.Current?.Self);
        }
    }

    private async Task RunAsync(ProcessContext context, string? name)
    {
        _context = context;
        // Named when started, unless the process ran first (it registers itself then) or the name is another's.
        if (name is not null && !context.Register(name) && context.Node.WhereIs(name) != context.Self)
        {
            throw new ExitException(new object?[] { new Atom("already_started"), name });
        }

        await InitAsync();
        object? reason = Exits.Normal;
        try
        {
            while (true)
            {
                await DispatchAsync(await context.ReceiveAsync());
            }
        }
        catch (ExitException ex)
        {
            reason = ex.Reason;
            throw;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            reason = Exits.Exception(ex);
            throw;
        }
        finally
        {
            if (!context.Cancellation.IsCancellationRequested)
            {
                await TerminateAsync(reason);
            }
        }
    }

    private async ValueTask DispatchAsync(object? message)
    {
        switch (message)
        {
            case object?[] { Length: 3 } call when call[0] is Atom tag && tag == CallTag && call[1] is object?[] { Length: 3 } from && from[0] is Pid replyTo && from[1] is Ref callTag:
                var reply = await HandleCallAsync(call[2], new CallFrom(replyTo, callTag, from[2] as Pid?));
                Context.Send(replyTo, new object?[] { callTag, reply });
                break;
            case object?[] { Length: 2 } cast when cast[0] is Atom tag && tag == CastTag:
                await HandleCastAsync(cast[1]);
                break;
            default:
                await HandleInfoAsync(message);
                break;
        }
    }
}

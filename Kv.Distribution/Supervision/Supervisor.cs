using Kv.Distribution.Processes;
using Kv.Distribution.Servers;
using Kv.Distribution.Terms;

namespace Kv.Distribution.Supervision;

/// <summary>
/// A supervisor process (Erlang's <c>supervisor</c>): starts its children in order, traps their
/// exits, and restarts them by their policy and its strategy. More than
/// <see cref="SupervisorOptions.MaxRestarts"/> restarts within the window make it stop its children
/// and exit with <c>shutdown</c>, so that the failure climbs to its own supervisor. Calls
/// <c>which_children</c> answers <c>[[id, pid], ...]</c>.
/// </summary>
public sealed class Supervisor : GenServer
{
    /// <summary>The call that lists the running children.</summary>
    public static readonly Atom WhichChildren = new("which_children");

    private readonly IReadOnlyList<ChildSpec> _specs;
    private readonly SupervisorOptions _options;
    private readonly Dictionary<string, Pid> _running = new(StringComparer.Ordinal);
    private readonly Queue<long> _restarts = new();

    private Supervisor(IReadOnlyList<ChildSpec> specs, SupervisorOptions options)
    {
        _specs = specs;
        _options = options;
    }

    /// <summary>Starts a supervisor on <paramref name="node"/> with <paramref name="children"/>, registered as <paramref name="name"/> when given.</summary>
    public static Pid Start(Node node, IReadOnlyList<ChildSpec> children, SupervisorOptions? options = null, string? name = null) =>
        GenServer.Start(node, new Supervisor(children, options ?? new SupervisorOptions()), name);

    /// <summary>Starts a supervisor linked to <paramref name="parent"/> (a supervisor of supervisors).</summary>
    public static Pid StartLink(ProcessContext parent, IReadOnlyList<ChildSpec> children, SupervisorOptions? options = null, string? name = null) =>
        GenServer.StartLink(parent, new Supervisor(children, options ?? new SupervisorOptions()), name);

    /// <inheritdoc />
    protected override ValueTask InitAsync()
    {
        Context.TrapExits = true;
        foreach (var spec in _specs)
        {
            StartChild(spec);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    protected override ValueTask<object?> HandleCallAsync(object? request, CallFrom from)
    {
        if (request is Atom atom && atom == WhichChildren)
        {
            return ValueTask.FromResult<object?>(_specs
                .Where(s => _running.ContainsKey(s.Id))
                .Select(s => (object?)new object?[] { s.Id, _running[s.Id] })
                .ToArray());
        }

        return base.HandleCallAsync(request, from);
    }

    /// <inheritdoc />
    protected override async ValueTask HandleInfoAsync(object? message)
    {
        if (message is not ExitMessage exit)
        {
            return;
        }

        var spec = _specs.FirstOrDefault(s => _running.TryGetValue(s.Id, out var pid) && pid == exit.From);
        if (spec is null)
        {
            // Not a child: the parent it is linked to has ended; so does the supervisor.
            throw new ExitException(exit.Reason);
        }

        _running.Remove(spec.Id);
        var restart = spec.Restart switch
        {
            RestartPolicy.Permanent => true,
            RestartPolicy.Transient => !Exits.IsOrderly(exit.Reason),
            _ => false,
        };
        if (!restart)
        {
            return;
        }

        if (!WithinIntensity())
        {
            await StopChildrenAsync();
            throw new ExitException(Exits.Shutdown);
        }

        if (_options.Strategy == RestartStrategy.OneForAll)
        {
            await StopChildrenAsync();
            foreach (var each in _specs)
            {
                StartChild(each);
            }
        }
        else
        {
            StartChild(spec);
        }
    }

    /// <inheritdoc />
    protected override async ValueTask TerminateAsync(object? reason) => await StopChildrenAsync();

    private void StartChild(ChildSpec spec)
    {
        var pid = spec.Start(Context);
        Context.Link(pid);
        _running[spec.Id] = pid;
    }

    /// <summary>Records a restart; <see langword="false"/> when it is one too many for the window.</summary>
    private bool WithinIntensity()
    {
        var now = Environment.TickCount64;
        var window = (long)(_options.Within ?? TimeSpan.FromSeconds(5)).TotalMilliseconds;
        while (_restarts.Count > 0 && now - _restarts.Peek() > window)
        {
            _restarts.Dequeue();
        }

        _restarts.Enqueue(now);
        return _restarts.Count <= _options.MaxRestarts;
    }

    /// <summary>Stops the running children in reverse start order, waiting (bounded) for each to end.</summary>
    private async Task StopChildrenAsync()
    {
        foreach (var spec in _specs.Reverse())
        {
            if (!_running.Remove(spec.Id, out var pid))
            {
                continue;
            }

            Context.Exit(pid, Exits.Shutdown);
            try
            {
                await Context.ReceiveAsync(m => m is ExitMessage e && e.From == pid, TimeSpan.FromSeconds(5));
            }
            catch (TimeoutException)
            {
                Context.Exit(pid, Exits.Kill);
            }
        }
    }
}

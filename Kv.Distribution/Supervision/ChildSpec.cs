using Kv.Distribution.Processes;
using Kv.Distribution.Terms;

namespace Kv.Distribution.Supervision;

/// <summary>When a supervisor restarts a child that ended.</summary>
public enum RestartPolicy
{
    /// <summary>Always.</summary>
    Permanent,

    /// <summary>Only when it ended abnormally (not normal or shutdown).</summary>
    Transient,

    /// <summary>Never.</summary>
    Temporary,
}

/// <summary>What a supervisor does when a child ends.</summary>
public enum RestartStrategy
{
    /// <summary>Restart that child alone.</summary>
    OneForOne,

    /// <summary>Stop every other child too, then start them all again in order.</summary>
    OneForAll,
}

/// <summary>A child of a supervisor.</summary>
/// <param name="Id">Its name among the supervisor's children.</param>
/// <param name="Start">Starts it from the supervisor's process and returns its pid (the supervisor links to it).</param>
/// <param name="Restart">When it is restarted.</param>
public sealed record ChildSpec(string Id, Func<ProcessContext, Pid> Start, RestartPolicy Restart = RestartPolicy.Permanent);

/// <summary>How a supervisor restarts children, and how many restarts it bears.</summary>
/// <param name="Strategy">One-for-one or one-for-all.</param>
/// <param name="MaxRestarts">More restarts than this within <paramref name="Within"/> make the supervisor give up and stop (with reason <c>shutdown</c>).</param>
/// <param name="Within">The restart intensity window; 5 seconds when null.</param>
public sealed record SupervisorOptions(RestartStrategy Strategy = RestartStrategy.OneForOne, int MaxRestarts = 3, TimeSpan? Within = null);

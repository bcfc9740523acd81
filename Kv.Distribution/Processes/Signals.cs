using Kv.Distribution.Terms;

namespace Kv.Distribution.Processes;

/// <summary>
/// What a process that traps exits receives instead of dying when a linked process exits
/// (Erlang's <c>{:EXIT, from, reason}</c>).
/// </summary>
/// <param name="From">The process that exited (or sent the exit signal).</param>
/// <param name="Reason">Why.</param>
public sealed record ExitMessage(Pid From, object? Reason);

/// <summary>
/// What a monitoring process receives when the monitored process ends
/// (Erlang's <c>{:DOWN, ref, :process, pid, reason}</c>).
/// </summary>
/// <param name="Monitor">The reference <see cref="ProcessContext.Monitor"/> returned.</param>
/// <param name="Pid">The process that ended.</param>
/// <param name="Reason">Why; <see cref="Exits.NoProc"/> when it did not exist, <see cref="Exits.NoConnection"/> when its node went away.</param>
public sealed record DownMessage(Ref Monitor, Pid Pid, object? Reason);

/// <summary>Thrown to end the current process with <see cref="Reason"/>, and by waits that a process's end interrupts.</summary>
public sealed class ExitException : Exception
{
    /// <summary>Creates the exception for <paramref name="reason"/>.</summary>
    public ExitException(object? reason)
        : base($"exit: {Exits.Describe(reason)}")
    {
        Reason = reason;
    }

    /// <summary>Creates the exception with reason <c>normal</c>.</summary>
    public ExitException()
        : this(Exits.Normal)
    {
    }

    /// <summary>Creates the exception with a message and the underlying failure.</summary>
    public ExitException(string message, Exception innerException)
        : base(message, innerException)
    {
        Reason = Exits.Exception(innerException);
    }

    /// <summary>The exit reason, a term.</summary>
    public object? Reason { get; }
}

namespace Kv.Server;

/// <summary>
/// An expected failure to start: a value that cannot work, a port another program holds, a name a
/// running node has. The host prints it as one line, <c>kv: PROBLEM (SOURCE); FIX.</c>, and exits
/// with 2; the stack only with <c>--verbose</c>.
/// </summary>
internal sealed class StartupFailureException : Exception
{
    /// <summary>Creates the failure.</summary>
    /// <param name="problem">What went wrong, naming the value: <c>the TCP port 4040 is already in use on 0.0.0.0</c>.</param>
    /// <param name="fix">How to fix it: <c>pick another with --port</c>; empty when the problem says it already.</param>
    /// <param name="option">The option whose value failed, when one did: the host says where that value came from.</param>
    /// <param name="innerException">The failure underneath, printed with <c>--verbose</c>.</param>
    public StartupFailureException(string problem, string fix, string? option = null, Exception? innerException = null)
        : base(fix.Length == 0 ? problem : $"{problem}; {fix}", innerException)
    {
        Problem = problem;
        Fix = fix;
        Option = option;
    }

    public StartupFailureException()
        : this("kv could not start", "see the log above")
    {
    }

    public StartupFailureException(string message)
        : this(message, "see the log above")
    {
    }

    public StartupFailureException(string message, Exception innerException)
        : this(message, "see the log above", innerException: innerException)
    {
    }

    /// <summary>What went wrong.</summary>
    public string Problem { get; }

    /// <summary>How to fix it.</summary>
    public string Fix { get; }

    /// <summary>The option whose value failed, or <see langword="null"/>.</summary>
    public string? Option { get; }
}

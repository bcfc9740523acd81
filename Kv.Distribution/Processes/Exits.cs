using Kv.Distribution.Terms;

namespace Kv.Distribution.Processes;

/// <summary>
/// Exit reasons, as Erlang spells them. A reason is a term, so it crosses the wire as it is: an
/// atom for the well-known ones, <c>[:exception, type, message]</c> for a process that threw.
/// </summary>
public static class Exits
{
    /// <summary>The process finished its work. Links to it are not broken by it.</summary>
    public static readonly Atom Normal = new("normal");

    /// <summary>A supervisor stopped it on purpose.</summary>
    public static readonly Atom Shutdown = new("shutdown");

    /// <summary>Sent with <see cref="ProcessContext.Exit"/>: ends the target even if it traps exits.</summary>
    public static readonly Atom Kill = new("kill");

    /// <summary>What a process ended by <see cref="Kill"/> reports to its links.</summary>
    public static readonly Atom Killed = new("killed");

    /// <summary>The process did not exist (or no longer did).</summary>
    public static readonly Atom NoProc = new("noproc");

    /// <summary>The link to the process's node broke.</summary>
    public static readonly Atom NoConnection = new("noconnection");

    /// <summary>A call or an await ran out of time.</summary>
    public static readonly Atom Timeout = new("timeout");

    private static readonly Atom s_exception = new("exception");

    /// <summary>The reason of a process that threw <paramref name="exception"/>.</summary>
    public static object?[] Exception(Exception exception) =>
        [s_exception, exception.GetType().FullName, exception.Message];

    /// <summary>Whether <paramref name="reason"/> is <see cref="Normal"/>.</summary>
    public static bool IsNormal(object? reason) => reason is Atom atom && atom == Normal;

    /// <summary>Whether a supervisor treats <paramref name="reason"/> as an orderly end (normal or shutdown).</summary>
    public static bool IsOrderly(object? reason) => reason is Atom atom && (atom == Normal || atom == Shutdown);

    /// <summary>A readable form of a reason, for messages and logs.</summary>
    public static string Describe(object? reason) => reason switch
    {
        object?[] { Length: 3 } e when e[0] is Atom a && a == s_exception => $"{e[1]}: {e[2]}",
        object?[] items => "[" + string.Join(", ", items.Select(Describe)) + "]",
        null => "nil",
        _ => reason.ToString() ?? "?",
    };
}

namespace Kv.Server.Shell;

/// <summary>How the console is used: <c>--eval "CMD; CMD"</c> runs commands and exits; <c>--shell</c> forces the interactive shell.</summary>
internal sealed class ShellOptions
{
    /// <summary>Shell commands separated by <c>;</c>: run them, print their results, and stop (non-zero exit when one failed).</summary>
    public string? Eval { get; set; }

    /// <summary>Run the interactive shell even when standard input is not a terminal.</summary>
    public bool Shell { get; set; }
}

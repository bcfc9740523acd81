namespace Kv.Server.Cli;

/// <summary>How an option's value is given.</summary>
internal enum OptionKind
{
    /// <summary><c>--port 4040</c>: the option takes exactly one value.</summary>
    Value,

    /// <summary><c>--hidden</c>: alone it means true; <c>--hidden false</c> also works.</summary>
    Flag,
}

/// <summary>
/// One option of the console host: its flag, the configuration key its value is bound to, and what
/// <c>--help</c> says about it. <see cref="OptionTable"/> lists them all; the parser, the help, the
/// environment look-up and the checks are all made from that list, so adding an option is one
/// entry there (and the property its <see cref="Key"/> binds to).
/// </summary>
/// <param name="Name">The flag, <c>--port</c>.</param>
/// <param name="Key">
/// The configuration key the value is bound to (<c>Port</c>, <c>Node:SName</c>: a property of
/// <c>KvServerOptions</c>, <c>NodeHostOptions</c> or <c>ShellOptions</c>); <see langword="null"/> for
/// an option of the command line itself (<c>--verbose</c>).
/// </param>
/// <param name="Description">One sentence for <c>--help</c>.</param>
internal sealed record HostOption(string Name, string? Key, string Description)
{
    /// <summary>Whether it takes a value or is a flag.</summary>
    public OptionKind Kind { get; init; } = OptionKind.Value;

    /// <summary>What <c>--help</c> calls its value: <c>--port &lt;N&gt;</c>.</summary>
    public string HelpName { get; init; } = "VALUE";

    /// <summary>The default as <c>--help</c> shows it; <see langword="null"/> for none.</summary>
    public string? Default { get; init; }

    /// <summary>The environment variable that gives the value when the flag does not.</summary>
    public string? EnvironmentVariable { get; init; }

    /// <summary>
    /// Checks a value, wherever it came from: <see langword="null"/> when it is good, else what is
    /// wrong, as the rest of a sentence that starts with the option's name (<c>must be a TCP port, 0 to 65535</c>).
    /// </summary>
    public Func<string, string?>? Check { get; init; }

    /// <summary>Whether the value is a secret, never repeated in an error.</summary>
    public bool Secret { get; init; }

    /// <summary>Other programs' names for it (Erlang's <c>setcookie</c>), offered as a suggestion when someone types them.</summary>
    public IReadOnlyList<string> OtherSpellings { get; init; } = [];
}

using System.CommandLine;
using System.CommandLine.Help;

namespace Kv.Server.Cli;

/// <summary>
/// The console host's command line, made from <see cref="OptionTable"/> on System.CommandLine: it
/// is strict (an unknown option or a stray argument is an error, with a suggestion), prints
/// <c>--help</c> and <c>--version</c>, and hands the values given to <see cref="OptionResolver"/>.
/// </summary>
internal sealed class HostCommandLine
{
    /// <summary>The exit code of a wrong command line or an expected startup failure, as a usage error.</summary>
    public const int UsageError = 2;

    private readonly Command _command;
    private readonly List<(HostOption Spec, Option Option)> _options = [];

    public HostCommandLine(IReadOnlyList<HostOption> table)
    {
        _command = new Command("kv", "A node of kv, the distributed key-value store: the TCP text server and, given a name, a node of a cluster.");
        var help = new HelpOption();
        help.Action = new HelpWithEnvironment((System.CommandLine.Help.HelpAction)help.Action!);
        _command.Options.Add(help);
        _command.Options.Add(new VersionOption());
        foreach (var spec in table)
        {
            Option option = spec.Kind == OptionKind.Flag
                ? new Option<bool>(spec.Name) { Description = HelpText(spec) }
                : new Option<string>(spec.Name) { Description = HelpText(spec), HelpName = spec.HelpName };
            _command.Options.Add(option);
            _options.Add((spec, option));
        }
    }

    /// <summary>
    /// Parses <paramref name="args"/>. Help, the version, and a wrong command line (one line per
    /// error, on standard error) end there, with the exit code to return.
    /// </summary>
    /// <returns>The values given, by option, or the exit code when the process is to stop.</returns>
    public (IReadOnlyDictionary<HostOption, string>? Given, int ExitCode) Parse(string[] args)
    {
        // No response files: '@' starts no file name here (a cookie may start with it).
        var result = _command.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (result.Errors.Count > 0)
        {
            foreach (var line in ParseErrors.Describe(result, args, _options.SelectMany(entry => entry.Spec.OtherSpellings.Select(other => (entry.Spec.Name, other)))))
            {
                Console.Error.WriteLine($"kv: {line}");
            }

            return (null, UsageError);
        }

        if (result.Action is not null)
        {
            // --help or --version: print, and start nothing.
            return (null, result.Invoke());
        }

        var given = new Dictionary<HostOption, string>();
        foreach (var (spec, option) in _options)
        {
            if (result.GetResult(option) is { Implicit: false } found)
            {
                given[spec] = option is Option<bool> flag
                    ? (result.GetValue(flag) ? "true" : "false")
                    : found.Tokens[0].Value;
            }
        }

        return (given, 0);
    }

    /// <summary>The option's help: its description, then its default and its environment variable.</summary>
    private static string HelpText(HostOption spec) =>
        spec.Description
        + (spec.Default is { } fallback ? $" [default: {fallback}]" : string.Empty)
        + (spec.EnvironmentVariable is { } variable ? $" [env: {variable}]" : string.Empty);

    /// <summary>The standard help, then the environment variables the host reads.</summary>
    private sealed class HelpWithEnvironment(System.CommandLine.Help.HelpAction help) : System.CommandLine.Invocation.SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            help.Invoke(parseResult);
            var variables = OptionTable.All
                .Where(spec => spec.EnvironmentVariable is not null)
                .Select(spec => (Name: spec.EnvironmentVariable!, Description: $"As {spec.Name}, when it is not given"))
                .Concat(OptionTable.OtherEnvironment)
                .ToList();
            var width = variables.Max(variable => variable.Name.Length) + 2;
            var output = parseResult.InvocationConfiguration.Output;
            output.WriteLine("Environment:");
            foreach (var (name, description) in variables)
            {
                output.WriteLine($"  {name.PadRight(width)}{description}");
            }

            output.WriteLine();
            return 0;
        }
    }
}

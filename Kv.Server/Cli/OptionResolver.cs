using Microsoft.Extensions.Configuration;

namespace Kv.Server.Cli;

/// <summary>
/// Finds each option's value (<see cref="ResolvedOptions"/>) and checks it wherever it came from,
/// so that <c>--port abc</c> and <c>PORT=abc</c> are the same one-line error, naming the source.
/// </summary>
internal static class OptionResolver
{
    /// <summary>Resolves every option of <paramref name="table"/>.</summary>
    /// <param name="table">The options.</param>
    /// <param name="given">The values of the command line, by option.</param>
    /// <param name="configuration">The configuration below the command line (files, environment).</param>
    /// <param name="environment">Reads an environment variable.</param>
    /// <exception cref="StartupFailureException">A value fails its option's check, or options that exclude each other are both set.</exception>
    public static ResolvedOptions Resolve(
        IReadOnlyList<HostOption> table,
        IReadOnlyDictionary<HostOption, string> given,
        IConfiguration configuration,
        Func<string, string?> environment)
    {
        var resolved = new ResolvedOptions { Verbose = table.Any(spec => spec.Name == OptionTable.Verbose && given.GetValueOrDefault(spec) == "true") };
        foreach (var spec in table.Where(spec => spec.Key is not null))
        {
            if (Find(spec, given, configuration, environment) is not { } found)
            {
                continue;
            }

            var problem = spec.Kind == OptionKind.Flag
                ? (bool.TryParse(found.Value, out _) ? null : "must be true or false")
                : spec.Check?.Invoke(found.Value);
            if (problem is not null)
            {
                throw new StartupFailureException($"{spec.Name} {problem}: got {found.Source}", fix: string.Empty);
            }

            resolved.Set(spec.Name, spec.Key!, found.Value, found.Source);
        }

        if (resolved.Has("--sname") && resolved.Has("--name"))
        {
            throw new StartupFailureException(
                $"give --sname or --name, not both: got {resolved.SourceOf("--sname")} and {resolved.SourceOf("--name")}",
                "--sname foo is foo@<this host's short name>, --name foo@host a full name");
        }

        if ((resolved.Has("--tls") || resolved.Has("--tls-cert")) && !resolved.Has("--sname") && !resolved.Has("--name"))
        {
            throw new StartupFailureException(
                $"TLS secures the links between nodes, and this node has no name: got {resolved.SourceOf(resolved.Has("--tls") ? "--tls" : "--tls-cert")}",
                "give it one with --sname or --name");
        }

        foreach (var part in new[] { "--tls-key", "--tls-ca" })
        {
            if (resolved.Has(part) && !resolved.Has("--tls-cert"))
            {
                throw new StartupFailureException($"{part} goes with --tls-cert: got {resolved.SourceOf(part)}", "give --tls-cert too, or --tls DIR alone");
            }
        }

        return resolved;
    }

    private static (string Value, string Source)? Find(HostOption spec, IReadOnlyDictionary<HostOption, string> given, IConfiguration configuration, Func<string, string?> environment)
    {
        if (given.TryGetValue(spec, out var value))
        {
            return (value, spec.Secret || spec.Kind == OptionKind.Flag ? $"{spec.Name} on the command line" : $"{spec.Name} {value} on the command line");
        }

        if (spec.EnvironmentVariable is { } variable && environment(variable) is { Length: > 0 } fromEnvironment)
        {
            return (fromEnvironment, spec.Secret ? $"{variable} in the environment" : $"{variable}={fromEnvironment} in the environment");
        }

        if (configuration[spec.Key!] is { Length: > 0 } configured)
        {
            return (configured, spec.Secret ? $"{spec.Key} in the configuration" : $"{spec.Key}={configured} in the configuration");
        }

        return null;
    }
}

using System.CommandLine;

namespace Kv.Server.Cli;

/// <summary>
/// Says what is wrong with a command line, one line per error: an unknown option with the option
/// meant (<c>-sname</c>, Erlang's spelling, and <c>--snam</c> are <c>--sname</c>), a stray argument,
/// or System.CommandLine's own message (a value missing, given twice...).
/// </summary>
internal static class ParseErrors
{
    /// <summary>
    /// The lines for <paramref name="result"/>'s errors; <paramref name="args"/> is what was parsed,
    /// in order, and <paramref name="otherSpellings"/> other programs' names for options (<c>setcookie</c>
    /// for <c>--cookie</c>), to suggest them too.
    /// </summary>
    public static IEnumerable<string> Describe(ParseResult result, IReadOnlyList<string> args, IEnumerable<(string Option, string Spelling)>? otherSpellings = null)
    {
        var command = result.CommandResult.Command;
        var spellings = otherSpellings?.ToList() ?? [];
        var unmatched = new Queue<string>(result.UnmatchedTokens);
        for (var i = 0; i < args.Count && unmatched.Count > 0; i++)
        {
            if (args[i] != unmatched.Peek())
            {
                continue;
            }

            var token = unmatched.Dequeue();
            if (token.StartsWith('-') && token.Length > 1)
            {
                // The word after an unknown option is its value, not a second error.
                if (i + 1 < args.Count && unmatched.TryPeek(out var next) && next == args[i + 1] && !next.StartsWith('-'))
                {
                    unmatched.Dequeue();
                    i++;
                }

                yield return UnknownOption(token, command, spellings);
            }
            else if (command.Subcommands.Count > 0)
            {
                yield return $"unknown command '{token}': the commands are {string.Join(", ", command.Subcommands.Select(sub => sub.Name))}.";
            }
            else
            {
                yield return $"unexpected argument '{token}': {command.Name} takes options only, each value after its option (--help lists them).";
            }
        }

        // The parser's own errors about the command ("Unrecognized command or argument", "Required
        // command was not provided") are said above when there were tokens it did not match.
        foreach (var error in result.Errors.Where(error => result.UnmatchedTokens.Count == 0 || error.SymbolResult is not System.CommandLine.Parsing.CommandResult))
        {
            yield return $"{error.Message} (--help lists the options)";
        }
    }

    private static string UnknownOption(string token, Command command, IReadOnlyList<(string Option, string Spelling)> otherSpellings)
    {
        var suggestions = Suggest(token, command, otherSpellings);
        return suggestions.Count == 0
            ? $"unknown option '{token}' (--help lists the options)."
            : $"unknown option '{token}'; did you mean {string.Join(" or ", suggestions)}?";
    }

    /// <summary>
    /// The options <paramref name="token"/> was likely meant to be: one spelled the same but for its
    /// dashes or case, else those within a typo or two (edit distance), else those it starts.
    /// </summary>
    public static IReadOnlyList<string> Suggest(string token, Command command, IReadOnlyList<(string Option, string Spelling)> otherSpellings)
    {
        var typed = Bare(token.Split('=', 2)[0]);
        var names = command.Options
            .SelectMany(option => option.Aliases.Prepend(option.Name).Select(alias => (Option: option.Name, Alias: Bare(alias))))
            .Concat(otherSpellings.Select(other => (other.Option, Alias: other.Spelling)))
            .Where(name => name.Alias.Length > 1)
            .ToList();

        var exact = names.Where(name => name.Alias.Equals(typed, StringComparison.OrdinalIgnoreCase)).Select(name => name.Option).Distinct().ToList();
        if (exact.Count > 0)
        {
            return exact;
        }

        var scored = names.Select(name => (name.Option, Distance: EditDistance(typed, name.Alias))).ToList();
        var best = scored.Count == 0 ? int.MaxValue : scored.Min(name => name.Distance);
        if (best <= Math.Min(2, Math.Max(1, typed.Length / 3)))
        {
            return [.. scored.Where(name => name.Distance == best).Select(name => name.Option).Distinct()];
        }

        return typed.Length < 3
            ? []
            : [.. names.Where(name => name.Alias.StartsWith(typed, StringComparison.OrdinalIgnoreCase)).Select(name => name.Option).Distinct()];
    }

    private static string Bare(string name) => name.TrimStart('-', '/');

    /// <summary>Levenshtein distance, ignoring case.</summary>
    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + substitution);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}

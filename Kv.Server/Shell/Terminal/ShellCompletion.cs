namespace Kv.Server.Shell.Terminal;

/// <summary>
/// What Tab may complete: a command name first (and after <c>help</c>), a node name where a command
/// takes one (this node, the nodes it is linked to, and those the routing table and nodes.json name).
/// </summary>
internal sealed class ShellCompletion(Func<IEnumerable<string>> knownNodes)
{
    /// <summary>The words that can stand where <paramref name="word"/> is typed after <paramref name="before"/>, in order.</summary>
    public IReadOnlyList<string> Candidates(string before, string word)
    {
        var words = ShellArguments.Split(before);
        var all = words.Count switch
        {
            0 => ShellHelp.Names,
            1 when words[0] == "help" => ShellHelp.Names,
            1 when ShellHelp.Find(words[0]) is { TakesNode: true } => knownNodes(),
            _ => [],
        };
        return [.. all.Where(c => c.StartsWith(word, StringComparison.Ordinal)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    /// <summary>The longest text every one of <paramref name="candidates"/> starts with.</summary>
    public static string CommonPrefix(IReadOnlyList<string> candidates)
    {
        var prefix = candidates[0];
        foreach (var candidate in candidates)
        {
            var length = 0;
            while (length < prefix.Length && length < candidate.Length && prefix[length] == candidate[length])
            {
                length++;
            }

            prefix = prefix[..length];
        }

        return prefix;
    }
}

using System.Globalization;
using Kv.Distribution.Terms;

namespace Kv.Server.Shell;

/// <summary>
/// Splits a shell line into words (double quotes group words) and reads rpc arguments as terms:
/// integers, floats, <c>true</c>/<c>false</c>/<c>nil</c>, <c>:atoms</c>, and anything else (or
/// anything quoted) as a string.
/// </summary>
internal static class ShellArguments
{
    public static List<string> Split(string line)
    {
        var words = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        var inWord = false;
        foreach (var c in line)
        {
            if (c == '"')
            {
                quoted = !quoted;
                inWord = true;
                current.Append(c);
            }
            else if (char.IsWhiteSpace(c) && !quoted)
            {
                if (inWord)
                {
                    words.Add(current.ToString());
                    current.Clear();
                    inWord = false;
                }
            }
            else
            {
                current.Append(c);
                inWord = true;
            }
        }

        if (inWord)
        {
            words.Add(current.ToString());
        }

        return words;
    }

    /// <summary>A word as text: its quotes removed when it is quoted.</summary>
    public static string Unquote(string word) =>
        word.Length >= 2 && word[0] == '"' && word[^1] == '"' ? word[1..^1] : word;

    public static object? ToTerm(string word)
    {
        if (word.Length >= 2 && word[0] == '"' && word[^1] == '"')
        {
            return Unquote(word);
        }

        if (long.TryParse(word, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return integer;
        }

        if (word.Contains('.', StringComparison.Ordinal) && double.TryParse(word, NumberStyles.Float, CultureInfo.InvariantCulture, out var real))
        {
            return real;
        }

        return word switch
        {
            "true" => true,
            "false" => false,
            "nil" => null,
            _ when word.Length > 1 && word[0] == ':' => new Atom(word[1..]),
            _ => word,
        };
    }

    /// <summary>Splits <c>Module.Function</c> at its last dot.</summary>
    public static bool TrySplitFunction(string text, out string module, out string function)
    {
        var dot = text.LastIndexOf('.');
        module = dot > 0 ? text[..dot] : string.Empty;
        function = dot > 0 ? text[(dot + 1)..] : string.Empty;
        return dot > 0 && dot < text.Length - 1;
    }
}

namespace Kv.Server;

/// <summary>Command-line conventions that configuration binding does not know.</summary>
internal static class CommandLine
{
    /// <summary>The switches that are flags: given alone, they mean <c>true</c>.</summary>
    private static readonly HashSet<string> s_flags = new(StringComparer.Ordinal) { "--hidden", "--shell" };

    /// <summary>Turns a lone flag (<c>--hidden</c>) into <c>--hidden true</c> for configuration binding.</summary>
    public static string[] Normalize(string[] args)
    {
        var normalized = new List<string>(args.Length + 2);
        for (var i = 0; i < args.Length; i++)
        {
            normalized.Add(args[i]);
            var valueFollows = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal);
            if (s_flags.Contains(args[i]) && !valueFollows)
            {
                normalized.Add("true");
            }
        }

        return [.. normalized];
    }
}

using System.Collections;
using System.Globalization;
using Kv.Distribution.Terms;

namespace Kv.Server.Shell;

/// <summary>Writes terms the way Elixir's <c>inspect</c> does, for the shell.</summary>
internal static class TermFormatter
{
    public static string Format(object? term) => term switch
    {
        null => "nil",
        true => "true",
        false => "false",
        string s => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"",
        Atom atom => ":" + atom.Name,
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable number when number is long or int or ulong => number.ToString(null, CultureInfo.InvariantCulture),
        byte[] bytes => "<<" + string.Join(", ", bytes) + ">>",
        IDictionary map => "%{" + string.Join(", ", map.Cast<DictionaryEntry>().Select(e => $"{Format(e.Key)} => {Format(e.Value)}")) + "}",
        IEnumerable list => "[" + string.Join(", ", list.Cast<object?>().Select(Format)) + "]",
        _ => term.ToString() ?? "?",
    };
}

namespace Kv.Server.Cli;

/// <summary>
/// The value each option has, once looked for in order: the command line, its environment
/// variable, the configuration (<c>appsettings.json</c>, environment variables named after the
/// key), then (for <c>--port</c>) the nodes file; each with where it came from, for error messages.
/// Every value found has passed its option's check.
/// </summary>
internal sealed class ResolvedOptions
{
    private readonly Dictionary<string, (string Key, string Value, string Source)> _found = new(StringComparer.Ordinal);

    /// <summary>Whether <c>--verbose</c> was given: print a startup failure's stack.</summary>
    public bool Verbose { get; init; }

    /// <summary>The values to put in front of the configuration, by configuration key.</summary>
    public IEnumerable<KeyValuePair<string, string?>> Configuration =>
        _found.Values.Select(found => new KeyValuePair<string, string?>(found.Key, found.Value));

    /// <summary>Whether <paramref name="option"/> has a value from any source.</summary>
    public bool Has(string option) => _found.ContainsKey(option);

    /// <summary>Where the value of <paramref name="option"/> came from: <c>--port 4041 on the command line</c>, <c>PORT=4041 in the environment</c>, <c>the default</c>.</summary>
    public string SourceOf(string option) => _found.TryGetValue(option, out var found) ? found.Source : "the default";

    /// <summary>Sets <paramref name="option"/> (bound to <paramref name="key"/>) to <paramref name="value"/>, which came from <paramref name="source"/>.</summary>
    public void Set(string option, string key, string value, string source) => _found[option] = (key, value, source);
}

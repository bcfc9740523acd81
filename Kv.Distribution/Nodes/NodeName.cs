using System.Diagnostics.CodeAnalysis;

namespace Kv.Distribution.Nodes;

/// <summary>
/// A node's name, <c>name@host</c>, as Erlang writes it: <c>foo@laptop</c> for a short name,
/// <c>foo@laptop.example.com</c> for a long one.
/// </summary>
/// <remarks>
/// The name part is 1 to 64 characters of letters, digits, <c>_</c> and <c>-</c>; the host part is a
/// host name or an IP address. Names compare ordinally, so <c>foo@a</c> and <c>Foo@a</c> differ.
/// A name holds its full text and that text's UTF-8 bytes (every character of a valid name is
/// ASCII), shared by all copies of it: <see cref="ToString"/> allocates nothing, writing the name
/// to the wire transcodes nothing, and comparing two names read from the same table is a reference
/// check. Every pid and reference carries one.
/// </remarks>
public readonly struct NodeName : IEquatable<NodeName>
{
    private const int MaxNameLength = 64;
    private const int MaxHostLength = 253;

    private readonly Spelling? _spelling;
    private readonly int _at;
    private readonly int _hash;

    private NodeName(string text, int at)
    {
        _spelling = new Spelling(text);
        _at = at;
        _hash = string.GetHashCode(text, StringComparison.Ordinal);
    }

    private string? Text => _spelling?.Text;

    /// <summary>The part before the <c>@</c>: what the port mapper registers.</summary>
    public string Name => Text is null ? "nonode" : Text[.._at];

    /// <summary>The part after the <c>@</c>: the host the node runs on.</summary>
    public string Host => Text is null ? "nohost" : Text[(_at + 1)..];

    /// <summary>Whether this is the default value, naming no node.</summary>
    public bool IsEmpty => _spelling is null;

    /// <summary>Whether two names are the same (ordinal).</summary>
    public static bool operator ==(NodeName left, NodeName right) => left.Equals(right);

    /// <summary>Whether two names differ (ordinal).</summary>
    public static bool operator !=(NodeName left, NodeName right) => !left.Equals(right);

    /// <summary>This machine's short host name: its host name up to the first dot.</summary>
    public static string ShortHostName
    {
        get
        {
            var host = Environment.MachineName;
            var dot = host.IndexOf('.', StringComparison.Ordinal);
            return dot > 0 ? host[..dot] : host;
        }
    }

    /// <summary>Parses <c>name@host</c>, or a bare <c>name</c> meaning <c>name@</c><see cref="ShortHostName"/>.</summary>
    /// <exception cref="FormatException">The text is not a valid node name; the message says why.</exception>
    public static NodeName Parse(string text) =>
        TryParse(text, out var name, out var error) ? name : throw new FormatException(error);

    /// <summary>Parses like <see cref="Parse"/> without throwing.</summary>
    /// <returns><see langword="true"/> and the name, or <see langword="false"/> and the reason.</returns>
    public static bool TryParse(string? text, out NodeName name, [NotNullWhen(false)] out string? error)
    {
        name = default;
        if (string.IsNullOrEmpty(text))
        {
            error = "A node name is needed, such as foo or foo@host.";
            return false;
        }

        var at = text.IndexOf('@', StringComparison.Ordinal);
        var local = at < 0 ? text : text[..at];
        var host = at < 0 ? ShortHostName : text[(at + 1)..];
        if (!IsValidName(local))
        {
            error = $"'{text}' is not a valid node name: the part before @ must be 1 to {MaxNameLength} letters, digits, '_' or '-'.";
            return false;
        }

        if (!IsValidHost(host))
        {
            error = $"'{text}' is not a valid node name: the part after @ must be a host name or an IP address.";
            return false;
        }

        name = at < 0 ? new NodeName($"{local}@{host}", local.Length) : new NodeName(text, at);
        error = null;
        return true;
    }

    /// <summary>Checks the part before the <c>@</c>.</summary>
    public static bool IsValidName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || name.Length > MaxNameLength)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Orders names ordinally by their full text; decides which of two simultaneous connects survives.</summary>
    public static int CompareOrdinal(NodeName left, NodeName right) =>
        string.CompareOrdinal(left.ToString(), right.ToString());

    /// <inheritdoc />
    public bool Equals(NodeName other) =>
        _hash == other._hash && (ReferenceEquals(_spelling, other._spelling) || string.Equals(Text, other.Text, StringComparison.Ordinal));

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is NodeName other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => _hash;

    /// <inheritdoc />
    public override string ToString() => Text ?? "nonode@nohost";

    /// <summary><see cref="ToString"/> as UTF-8, as the wire carries it.</summary>
    internal ReadOnlySpan<byte> Utf8 => _spelling is null ? "nonode@nohost"u8 : _spelling.Utf8;

    private static bool IsValidHost(ReadOnlySpan<char> host)
    {
        if (host.IsEmpty || host.Length > MaxHostLength)
        {
            return false;
        }

        foreach (var c in host)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or ':'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A name's text and its UTF-8 bytes, made once when the name is parsed.</summary>
    private sealed class Spelling(string text)
    {
        public string Text { get; } = text;

        public byte[] Utf8 { get; } = System.Text.Encoding.UTF8.GetBytes(text);
    }
}

using System.Text;
using Kv.Distribution.Nodes;

namespace Kv.Distribution.Terms;

/// <summary>
/// The node names that pids and references read from the wire carry, each decoded and checked
/// once: a name seen before comes back as the same <see cref="NodeName"/>, found by its UTF-8
/// bytes, so reading a pid allocates nothing for its node and comparing it with a known node's name
/// is a reference check.
/// </summary>
/// <remarks>
/// A cluster has few nodes, so the table is a short array searched in order and replaced whole
/// when a name is added (readers never lock). It stops growing at <see cref="Capacity"/> names, so
/// that a peer sending made-up names cannot grow it: names past that are decoded each time.
/// </remarks>
internal sealed class NodeNameTable
{
    /// <summary>How many names are kept.</summary>
    public const int Capacity = 64;

    private readonly Lock _gate = new();
    private volatile NodeName[] _entries = [];

    /// <summary>
    /// The name in the table equal to <paramref name="name"/>; <paramref name="name"/> itself when
    /// there is none yet (it is added, while there is room).
    /// </summary>
    public NodeName Intern(NodeName name)
    {
        lock (_gate)
        {
            var entries = _entries;
            foreach (var entry in entries)
            {
                if (entry.Utf8.SequenceEqual(name.Utf8))
                {
                    return entry;
                }
            }

            if (entries.Length < Capacity)
            {
                _entries = [.. entries, name];
            }

            return name;
        }
    }

    /// <summary>The name whose UTF-8 encoding is <paramref name="utf8"/>.</summary>
    /// <exception cref="TermException">The bytes are not a full node name, <c>name@host</c>.</exception>
    public NodeName Get(ReadOnlySpan<byte> utf8)
    {
        var entries = _entries;
        foreach (var entry in entries)
        {
            if (utf8.SequenceEqual(entry.Utf8))
            {
                return entry;
            }
        }

        var name = Parse(Encoding.UTF8.GetString(utf8));
        return entries.Length < Capacity ? Intern(name) : name;
    }

    /// <summary>Checks a node name read from the wire: it must be a full <c>name@host</c>.</summary>
    /// <exception cref="TermException">It is not.</exception>
    public static NodeName Parse(string text) =>
        text.Contains('@', StringComparison.Ordinal) && NodeName.TryParse(text, out var name, out _)
            ? name
            : throw new TermException($"'{text}' is not a node name (name@host).");
}

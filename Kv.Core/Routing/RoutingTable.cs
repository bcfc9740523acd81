using System.Globalization;
using Kv.Distribution.Nodes;

namespace Kv.Core.Routing;

/// <summary>One row of the routing table: buckets whose first byte is in <c>First..Last</c> live on <c>Node</c>.</summary>
/// <param name="First">The first byte of the range.</param>
/// <param name="Last">The last byte of the range, inclusive.</param>
/// <param name="Node">The node that owns those buckets.</param>
public sealed record RoutingEntry(byte First, byte Last, NodeName Node)
{
    /// <summary>Whether <paramref name="firstByte"/> is in the range.</summary>
    public bool Holds(byte firstByte) => firstByte >= First && firstByte <= Last;

    /// <inheritdoc />
    public override string ToString() => $"{{{Show(First)}..{Show(Last)}, {Node}}}";

    private static string Show(byte b) => b is >= 0x21 and < 0x7F ? "?" + (char)b : b.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// Which node owns a bucket, by the first byte of its UTF-8 name (the guide's <c>KV.Router.table</c>).
/// Ranges never overlap (<see cref="NodesFile"/> checks it).
/// </summary>
public sealed class RoutingTable
{
    private readonly RoutingEntry[] _entries;

    /// <summary>Creates a table of <paramref name="entries"/>.</summary>
    public RoutingTable(IEnumerable<RoutingEntry> entries) => _entries = [.. entries];

    /// <summary>The table that routes nothing: every bucket is local (no nodes.json, or a node without a name).</summary>
    public static RoutingTable Local { get; } = new([]);

    /// <summary>The rows.</summary>
    public IReadOnlyList<RoutingEntry> Entries => _entries;

    /// <summary>Whether every bucket is local.</summary>
    public bool IsLocal => _entries.Length == 0;

    /// <summary>The node owning the bucket whose UTF-8 name starts with <paramref name="firstByte"/>.</summary>
    /// <returns><see langword="false"/> when no entry holds that byte.</returns>
    public bool TryFind(byte firstByte, out NodeName node)
    {
        foreach (var entry in _entries)
        {
            if (entry.Holds(firstByte))
            {
                node = entry.Node;
                return true;
            }
        }

        node = default;
        return false;
    }

    /// <summary>The node owning <paramref name="bucket"/>.</summary>
    /// <exception cref="RoutingException">No entry holds the bucket's first byte; the message names the bucket and the table.</exception>
    public NodeName Find(string bucket)
    {
        ArgumentException.ThrowIfNullOrEmpty(bucket);
        Span<byte> first = stackalloc byte[4];
        System.Text.Encoding.UTF8.GetBytes(bucket.AsSpan(0, char.IsHighSurrogate(bucket[0]) && bucket.Length > 1 ? 2 : 1), first);
        return TryFind(first[0], out var node) ? node : throw NoEntry(bucket, this);
    }

    /// <summary>The failure of a bucket that no entry of <paramref name="table"/> holds.</summary>
    internal static RoutingException NoEntry(string bucket, RoutingTable table) =>
        new($"could not find entry for \"{bucket}\" in table {table}");

    /// <inheritdoc />
    public override string ToString() => "[" + string.Join(", ", _entries.Select(e => e.ToString())) + "]";
}

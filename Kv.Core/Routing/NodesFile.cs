using System.Text.Json;
using System.Text.Json.Serialization;
using Kv.Distribution.Nodes;

namespace Kv.Core.Routing;

/// <summary>What nodes.json says: the routing table and each node's settings.</summary>
/// <param name="Table">The routing table.</param>
/// <param name="Nodes">Each node's settings, by name.</param>
public sealed record NodesConfig(RoutingTable Table, IReadOnlyDictionary<NodeName, NodeSettings> Nodes)
{
    /// <summary>No file: every bucket local, no node settings.</summary>
    public static NodesConfig Empty { get; } = new(RoutingTable.Local, new Dictionary<NodeName, NodeSettings>());

    /// <summary>The full path of the file read; <see langword="null"/> when there was none.</summary>
    public string? Path { get; init; }

    /// <summary>Every node the file names, under <c>"nodes"</c> or in a routing entry.</summary>
    public IEnumerable<NodeName> NamedNodes => Nodes.Keys.Union(Table.Entries.Select(entry => entry.Node));
}

/// <summary>A node's settings in nodes.json.</summary>
/// <param name="Port">Its TCP text server's port.</param>
/// <param name="Address">
/// Its distribution address, <c>host:port</c> (the host a name or an IP address; an IPv6 address in
/// brackets), to reach it without the port mapper; see <see cref="NodesFile.TrySplitAddress"/>.
/// </param>
public sealed record NodeSettings(int? Port, string? Address);

/// <summary>
/// Reads and checks nodes.json (format in docs/nodes-json.md). Every problem is an
/// <see cref="InvalidDataException"/> that names it: unknown fields, a byte that is not one
/// character or 0 to 255, a range whose first byte is after its last, overlapping ranges, a routing
/// entry naming a node the file does not list, a bad port or address. A node's name may be full
/// (<c>foo@127.0.0.1</c>) or short (<c>foo</c>, meaning <c>foo@</c>this host's short name).
/// </summary>
public static class NodesFile
{
    /// <summary>The file looked for in the working directory when no path is given.</summary>
    public const string DefaultFileName = "nodes.json";

    private static readonly JsonSerializerOptions s_json = new()
    {
        PropertyNameCaseInsensitive = false,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>
    /// Loads <paramref name="path"/> when given, else <c>nodes.json</c> in the working directory when
    /// there is one, else returns <see cref="NodesConfig.Empty"/>.
    /// </summary>
    public static NodesConfig Load(string? path)
    {
        if (path is null)
        {
            var fallback = Path.Combine(Directory.GetCurrentDirectory(), DefaultFileName);
            return File.Exists(fallback) ? Parse(File.ReadAllText(fallback), fallback) with { Path = fallback } : NodesConfig.Empty;
        }

        if (!File.Exists(path))
        {
            throw new InvalidDataException($"{path}: no such file (given with --nodes).");
        }

        return Parse(File.ReadAllText(path), path) with { Path = Path.GetFullPath(path) };
    }

    /// <summary>
    /// Splits a node's <c>"address"</c>, <c>host:port</c>, into its host (a name or an IP address;
    /// an IPv6 address in brackets, <c>[::1]:4371</c>) and its port (1 to 65535).
    /// </summary>
    /// <returns><see langword="false"/> when the text is not of that form.</returns>
    public static bool TrySplitAddress(string? address, out string host, out int port)
    {
        host = string.Empty;
        port = 0;
        var colon = address?.LastIndexOf(':') ?? -1;
        if (colon <= 0 || !int.TryParse(address.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
        {
            return false;
        }

        host = address![..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
            return System.Net.IPAddress.TryParse(host, out var v6) && v6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        }

        return Uri.CheckHostName(host) is UriHostNameType.Dns or UriHostNameType.IPv4;
    }

    /// <summary>Parses and checks the text of a nodes file; <paramref name="source"/> names it in errors.</summary>
    public static NodesConfig Parse(string json, string source = DefaultFileName)
    {
        FileModel model;
        try
        {
            model = JsonSerializer.Deserialize<FileModel>(json, s_json) ?? throw new InvalidDataException($"{source}: empty.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{source}: {ex.Message}", ex);
        }

        var nodes = new Dictionary<NodeName, NodeSettings>();
        foreach (var (name, settings) in model.Nodes ?? [])
        {
            var node = ParseNode(name, source, "nodes");
            if (settings.Port is < 0 or > 65535)
            {
                throw new InvalidDataException($"{source}: nodes.{name}.port must be 0 to 65535, not {settings.Port}.");
            }

            if (settings.Address is { } address && !TrySplitAddress(address, out _, out _))
            {
                throw new InvalidDataException($"{source}: nodes.{name}.address must be host:port (a host name or an IP address, a port 1 to 65535), such as 10.0.0.2:4371 or db1.example.com:4371, not '{address}'.");
            }

            nodes[node] = new NodeSettings(settings.Port, settings.Address);
        }

        var entries = new List<RoutingEntry>();
        foreach (var (row, index) in (model.Routing ?? []).Select((row, index) => (row, index)))
        {
            var where = $"routing[{index}]";
            var first = ParseByte(row.First, source, where + ".first");
            var last = ParseByte(row.Last, source, where + ".last");
            if (first > last)
            {
                throw new InvalidDataException($"{source}: {where}: first ({first}) is after last ({last}).");
            }

            var node = ParseNode(row.Node ?? throw new InvalidDataException($"{source}: {where}: node is missing."), source, where + ".node");
            if (nodes.Count > 0 && !nodes.ContainsKey(node))
            {
                throw new InvalidDataException($"{source}: {where}: node '{row.Node}' is not listed under \"nodes\".");
            }

            var entry = new RoutingEntry(first, last, node);
            var overlap = entries.FirstOrDefault(e => e.First <= last && first <= e.Last);
            if (overlap is not null)
            {
                throw new InvalidDataException($"{source}: {where} {entry} overlaps routing[{entries.IndexOf(overlap)}] {overlap}.");
            }

            entries.Add(entry);
        }

        return new NodesConfig(new RoutingTable(entries), nodes);
    }

    private static NodeName ParseNode(string text, string source, string where) =>
        NodeName.TryParse(text, out var node, out var error) ? node : throw new InvalidDataException($"{source}: {where}: {error}");

    private static byte ParseByte(JsonElement? value, string source, string where)
    {
        switch (value?.ValueKind)
        {
            case JsonValueKind.String when value.Value.GetString() is { } text && System.Text.Encoding.UTF8.GetByteCount(text) == 1:
                return (byte)text[0];
            case JsonValueKind.Number when value.Value.TryGetInt32(out var number) && number is >= 0 and <= 255:
                return (byte)number;
            case null:
                throw new InvalidDataException($"{source}: {where} is missing.");
            default:
                throw new InvalidDataException($"{source}: {where} must be one character (a byte) or an integer 0 to 255, not {value.Value.GetRawText()}.");
        }
    }

    private sealed class FileModel
    {
        [JsonPropertyName("routing")]
        public List<RowModel>? Routing { get; set; }

        [JsonPropertyName("nodes")]
        public Dictionary<string, NodeModel>? Nodes { get; set; }
    }

    private sealed class RowModel
    {
        [JsonPropertyName("first")]
        public JsonElement? First { get; set; }

        [JsonPropertyName("last")]
        public JsonElement? Last { get; set; }

        [JsonPropertyName("node")]
        public string? Node { get; set; }
    }

    private sealed class NodeModel
    {
        [JsonPropertyName("port")]
        public int? Port { get; set; }

        [JsonPropertyName("address")]
        public string? Address { get; set; }
    }
}

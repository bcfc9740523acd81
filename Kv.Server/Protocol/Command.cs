namespace Kv.Server.Protocol;

/// <summary>The verbs of the text protocol.</summary>
internal enum CommandKind : byte
{
    /// <summary><c>CREATE bucket</c></summary>
    Create,

    /// <summary><c>GET bucket key</c></summary>
    Get,

    /// <summary><c>PUT bucket key value</c></summary>
    Put,

    /// <summary><c>DELETE bucket key</c></summary>
    Delete,
}

/// <summary>
/// A parsed request: the verb and its words, as slices of the request line's UTF-8 bytes.
/// Words a verb does not take are empty.
/// </summary>
internal readonly ref struct Command(CommandKind kind, ReadOnlySpan<byte> bucket, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
{
    /// <summary>The verb.</summary>
    public CommandKind Kind { get; } = kind;

    /// <summary>The bucket's name.</summary>
    public ReadOnlySpan<byte> Bucket { get; } = bucket;

    /// <summary>The key, for GET, PUT and DELETE.</summary>
    public ReadOnlySpan<byte> Key { get; } = key;

    /// <summary>The value, for PUT.</summary>
    public ReadOnlySpan<byte> Value { get; } = value;
}

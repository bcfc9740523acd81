using Kv.Core.Buckets;

namespace Kv.Server.Protocol;

/// <summary>
/// A parsed request: the bucket operation its verb names (<c>CREATE</c>, <c>GET</c>, <c>PUT</c>,
/// <c>DELETE</c>) and its words, as slices of the request line's UTF-8 bytes. Words a verb does not
/// take are empty.
/// </summary>
internal readonly ref struct Command(BucketOperation operation, ReadOnlySpan<byte> bucket, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
{
    /// <summary>The verb.</summary>
    public BucketOperation Operation { get; } = operation;

    /// <summary>The bucket's name; never empty.</summary>
    public ReadOnlySpan<byte> Bucket { get; } = bucket;

    /// <summary>The key, for GET, PUT and DELETE.</summary>
    public ReadOnlySpan<byte> Key { get; } = key;

    /// <summary>The value, for PUT.</summary>
    public ReadOnlySpan<byte> Value { get; } = value;
}

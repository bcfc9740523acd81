namespace Kv.Core.Buckets;

/// <summary>How a bucket operation ended.</summary>
public enum BucketStatus : byte
{
    /// <summary>Done (the text protocol's <c>OK</c>).</summary>
    Ok,

    /// <summary>The bucket does not exist, or stopped during the operation (<c>NOT FOUND</c>).</summary>
    NotFound,
}

/// <summary>
/// The outcome of a <see cref="BucketRequest"/>: its status and, for <see cref="BucketOperation.Get"/>,
/// the key's value (for <see cref="BucketOperation.Delete"/>, the value the key had) as UTF-8 bytes.
/// </summary>
/// <param name="Status">How the operation ended.</param>
/// <param name="Value">
/// The value, or <see langword="null"/> when the key is absent or the operation has none. For a
/// bucket of this node it is the bucket's own array: read it, never change it.
/// </param>
public readonly record struct BucketReply(BucketStatus Status, byte[]? Value)
{
    /// <summary>Done, with no value.</summary>
    public static BucketReply Ok => new(BucketStatus.Ok, null);

    /// <summary>The bucket does not exist.</summary>
    public static BucketReply NotFound => new(BucketStatus.NotFound, null);

    /// <summary>Done, with <paramref name="value"/> (<see langword="null"/> for an absent key).</summary>
    public static BucketReply Of(byte[]? value) => new(BucketStatus.Ok, value);
}

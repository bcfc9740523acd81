namespace Kv.Core.Buckets;

/// <summary>
/// One operation on a named bucket, as the router carries it to the bucket's owner: the bucket's
/// name, the key and, for <see cref="BucketOperation.Put"/>, the value as UTF-8 bytes (the form
/// buckets keep it in and the text protocol sends it in).
/// </summary>
/// <param name="Operation">What to do.</param>
/// <param name="Bucket">The bucket's name; not empty (its first byte picks the owner).</param>
/// <param name="Key">The key; empty for <see cref="BucketOperation.Create"/>.</param>
/// <param name="Value">The value to store, for <see cref="BucketOperation.Put"/>; <see langword="null"/> otherwise. The bucket stores a copy.</param>
public readonly record struct BucketRequest(BucketOperation Operation, string Bucket, string Key, byte[]? Value)
{
    /// <summary><c>CREATE bucket</c>.</summary>
    public static BucketRequest Create(string bucket) => new(BucketOperation.Create, bucket, string.Empty, null);

    /// <summary><c>GET bucket key</c>.</summary>
    public static BucketRequest Get(string bucket, string key) => new(BucketOperation.Get, bucket, key, null);

    /// <summary><c>PUT bucket key value</c>, the value given as its UTF-8 bytes.</summary>
    public static BucketRequest Put(string bucket, string key, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new(BucketOperation.Put, bucket, key, value);
    }

    /// <summary><c>DELETE bucket key</c>.</summary>
    public static BucketRequest Delete(string bucket, string key) => new(BucketOperation.Delete, bucket, key, null);
}

namespace Kv.Core.Buckets;

/// <summary>
/// Thrown by <see cref="BucketRegistry.Create"/> for a new bucket when the registry already holds
/// its most buckets (<see cref="BucketRegistry.MaxBuckets"/>); nothing was created. Creating a
/// bucket that exists still succeeds, and a bucket that stops frees its place at once.
/// </summary>
public sealed class BucketLimitException : InvalidOperationException
{
    /// <summary>Creates the exception for a registry that holds at most <paramref name="maxBuckets"/> buckets.</summary>
    public BucketLimitException(int maxBuckets)
        : base($"Too many buckets: this node holds at most {maxBuckets} (--max-buckets).")
    {
        MaxBuckets = maxBuckets;
    }

    /// <summary>Creates the exception with a message of the caller's.</summary>
    public BucketLimitException()
        : base("Too many buckets.")
    {
    }

    /// <summary>Creates the exception with a message of the caller's (another node's, say).</summary>
    public BucketLimitException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception of the caller's.</summary>
    public BucketLimitException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The limit that was reached; 0 when unknown (the exception came from another node).</summary>
    public int MaxBuckets { get; }
}

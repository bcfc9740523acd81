namespace Kv.Core.Buckets;

/// <summary>
/// Thrown by an operation on a bucket that has stopped or failed; the bucket holds no data any more.
/// </summary>
public sealed class BucketStoppedException : InvalidOperationException
{
    /// <summary>Creates the exception for the bucket named <paramref name="bucketName"/>.</summary>
    public BucketStoppedException(string bucketName)
        : base($"Bucket '{bucketName}' has stopped; look it up again or create it anew.")
    {
        BucketName = bucketName;
    }

    /// <summary>Creates the exception with a message of the caller's.</summary>
    public BucketStoppedException()
        : base("The bucket has stopped.")
    {
        BucketName = string.Empty;
    }

    /// <summary>Creates the exception with a message and an inner exception of the caller's.</summary>
    public BucketStoppedException(string message, Exception innerException)
        : base(message, innerException)
    {
        BucketName = string.Empty;
    }

    /// <summary>The name of the bucket that has stopped.</summary>
    public string BucketName { get; }
}

namespace Kv.Core.Buckets;

/// <summary>
/// The node that owns a bucket could not carry out an operation on it: it cannot be reached, did
/// not answer in time, or failed. The operation may or may not have run there.
/// </summary>
/// <remarks>
/// The message names the bucket and the node; <see cref="Exception.InnerException"/> is the
/// runtime's own failure (an rpc or exit failure of <c>Kv.Distribution</c>), for logs.
/// </remarks>
public sealed class BucketUnavailableException : Exception
{
    /// <summary>Creates the exception for the bucket <paramref name="bucketName"/> on <paramref name="node"/>.</summary>
    /// <param name="bucketName">The bucket's name.</param>
    /// <param name="node">The node that was asked.</param>
    /// <param name="reason">Why, in a few words, such as "the node cannot be reached".</param>
    /// <param name="innerException">The underlying failure.</param>
    public BucketUnavailableException(string bucketName, string node, string reason, Exception? innerException)
        : base($"Bucket '{bucketName}' on {node} is unavailable: {reason}", innerException)
    {
        BucketName = bucketName;
        Node = node;
    }

    /// <summary>Creates the exception with a default message.</summary>
    public BucketUnavailableException()
        : base("The bucket's node is unavailable.")
    {
        BucketName = string.Empty;
        Node = string.Empty;
    }

    /// <summary>Creates the exception with a message of the caller's.</summary>
    public BucketUnavailableException(string message)
        : base(message)
    {
        BucketName = string.Empty;
        Node = string.Empty;
    }

    /// <summary>Creates the exception with a message and an inner exception of the caller's.</summary>
    public BucketUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
        BucketName = string.Empty;
        Node = string.Empty;
    }

    /// <summary>The name of the bucket.</summary>
    public string BucketName { get; }

    /// <summary>The node that was asked (the bucket's owner as this node's table has it).</summary>
    public string Node { get; }
}

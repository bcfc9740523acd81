using Kv.Core.Buckets;

namespace Kv.Core.Routing;

/// <summary>How one operation of a <see cref="RoutedBatch"/> ended: its status and value, or the failure <see cref="Router.ExecuteAsync(BucketRequest, CancellationToken)"/> would have thrown.</summary>
/// <param name="Status">How it ended, when <paramref name="Failure"/> is <see langword="null"/>.</param>
/// <param name="Value">
/// The value of a GET (or the removed value of a DELETE) as UTF-8; <see langword="null"/> when the
/// key is absent or the operation has none. It is the bucket's own array, or a slice of the owner's
/// reply: read it before the batch is cleared, never change it.
/// </param>
/// <param name="Failure">kv's exception for the operation: <see cref="RoutingException"/>, <see cref="BucketUnavailableException"/>, <see cref="BucketStoppedException"/> or <see cref="BucketLimitException"/>.</param>
public readonly record struct BucketOutcome(BucketStatus Status, ReadOnlyMemory<byte>? Value, Exception? Failure)
{
    /// <summary>Done, with <paramref name="reply"/>.</summary>
    public static BucketOutcome Of(in BucketReply reply) => new(reply.Status, reply.Value is { } value ? value : null, null);

    /// <summary>Failed with <paramref name="failure"/>.</summary>
    public static BucketOutcome Failed(Exception failure) => new(BucketStatus.Ok, null, failure);
}

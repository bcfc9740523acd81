using Kv.Core.Buckets;

namespace Kv.Core.Routing;

/// <summary>How one operation of a <see cref="RoutedBatch"/> ended: its reply, or the failure <see cref="Router.ExecuteAsync(BucketRequest, CancellationToken)"/> would have thrown.</summary>
/// <param name="Reply">The reply, when <paramref name="Failure"/> is <see langword="null"/>.</param>
/// <param name="Failure">kv's exception for the operation: <see cref="RoutingException"/>, <see cref="BucketUnavailableException"/>, <see cref="BucketStoppedException"/> or <see cref="BucketLimitException"/>.</param>
public readonly record struct BucketOutcome(BucketReply Reply, Exception? Failure)
{
    /// <summary>Done, with <paramref name="reply"/>.</summary>
    public static BucketOutcome Of(BucketReply reply) => new(reply, null);

    /// <summary>Failed with <paramref name="failure"/>.</summary>
    public static BucketOutcome Failed(Exception failure) => new(default, failure);
}

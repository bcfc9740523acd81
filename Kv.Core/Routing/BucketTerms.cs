using Kv.Core.Buckets;

namespace Kv.Core.Routing;

/// <summary>
/// How <c>KV.Router.Execute</c> carries a <see cref="BucketRequest"/> and its <see cref="BucketReply"/>
/// between nodes, as MessagePack terms.
/// </summary>
/// <remarks>
/// <para>Arguments: <c>[operation, bucket, key, value, hops]</c>: the <see cref="BucketOperation"/>'s
/// number (an integer), the bucket's name and the key (strings), the value to store (bin, for PUT;
/// nil otherwise) and how many times the request has been passed on (an integer).</para>
/// <para>Reply: the value's bytes (bin) for a GET of a present key or a DELETE of one;
/// <c>"ok"</c> when done with no value; <c>"not_found"</c> when the bucket does not exist on the
/// owner. Values stay UTF-8 bytes from the bucket to the caller: nothing decodes them on the way.</para>
/// <para><c>KV.Router.ExecuteMany</c> carries many as packed bytes instead: <see cref="PackedBatch"/>.</para>
/// </remarks>
internal static class BucketTerms
{
    /// <summary>The reply of an operation done with no value.</summary>
    public const string Ok = "ok";

    /// <summary>The reply when the bucket does not exist on the owner.</summary>
    public const string NotFound = "not_found";

    /// <summary>The arguments of <c>KV.Router.Execute</c> for <paramref name="request"/>, passed on <paramref name="hops"/> times.</summary>
    public static object?[] Arguments(in BucketRequest request, long hops) =>
        [(long)request.Operation, request.Bucket, request.Key, request.Value, hops];

    /// <summary>The operation numbered <paramref name="number"/> on the wire.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No operation has that number.</exception>
    public static BucketOperation Operation(long number) =>
        number is >= (long)BucketOperation.Create and <= (long)BucketOperation.Delete
            ? (BucketOperation)number
            : throw new ArgumentOutOfRangeException(nameof(number), number, "not a bucket operation (0 CREATE, 1 GET, 2 PUT, 3 DELETE)");

    /// <summary>The term that answers <paramref name="reply"/>.</summary>
    public static object Reply(in BucketReply reply) => reply switch
    {
        { Status: BucketStatus.NotFound } => NotFound,
        { Value: { } value } => value,
        _ => Ok,
    };

    /// <summary>Reads a reply term.</summary>
    /// <returns><see langword="false"/> when <paramref name="term"/> is not one.</returns>
    public static bool TryReadReply(object? term, out BucketReply reply)
    {
        switch (term)
        {
            case byte[] value:
                reply = BucketReply.Of(value);
                return true;
            case Ok:
                reply = BucketReply.Ok;
                return true;
            case NotFound:
                reply = BucketReply.NotFound;
                return true;
            default:
                reply = default;
                return false;
        }
    }
}

using System.Buffers;
using System.Text;

namespace Kv.Core.Buckets;

/// <summary>Bucket operations carried out on this registry's buckets: the router's local path.</summary>
public sealed partial class BucketRegistry
{
    private const int StackChars = 512;

    /// <summary>
    /// Carries out <paramref name="operation"/> on the bucket named by the UTF-8 bytes
    /// <paramref name="bucket"/>, with a UTF-8 <paramref name="key"/>, as the text protocol has them.
    /// Name and key are decoded on the stack (or into a pooled array when long) and looked up by
    /// span: a GET, a DELETE and a PUT over an existing key allocate only what the bucket keeps.
    /// </summary>
    /// <returns>The reply; <see cref="BucketStatus.NotFound"/> when the bucket does not exist or stops meanwhile.</returns>
    internal BucketReply Execute(BucketOperation operation, ReadOnlySpan<byte> bucket, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        // UTF-8 never decodes to more characters than it has bytes.
        var needed = bucket.Length + key.Length;
        char[]? rented = null;
        var scratch = needed <= StackChars ? stackalloc char[StackChars] : (rented = ArrayPool<char>.Shared.Rent(needed));
        try
        {
            var bucketLength = Encoding.UTF8.GetChars(bucket, scratch);
            var keyLength = Encoding.UTF8.GetChars(key, scratch[bucketLength..]);
            return Execute(operation, scratch[..bucketLength], scratch.Slice(bucketLength, keyLength), value);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// Carries out <paramref name="operation"/> on the bucket named <paramref name="bucket"/>: CREATE
    /// makes it when there is none; GET, PUT and DELETE need it to exist.
    /// </summary>
    /// <returns>
    /// <see cref="BucketStatus.NotFound"/> when the bucket does not exist or stops meanwhile; else
    /// <see cref="BucketStatus.Ok"/> with, for GET, the key's value and, for DELETE, the value the
    /// key had (the bucket's own arrays, not copies).
    /// </returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="operation"/> is not one of <see cref="BucketOperation"/>.</exception>
    /// <exception cref="BucketLimitException">A CREATE of a new bucket when <see cref="MaxBuckets"/> live already.</exception>
    internal BucketReply Execute(BucketOperation operation, ReadOnlySpan<char> bucket, ReadOnlySpan<char> key, ReadOnlySpan<byte> value)
    {
        if (operation == BucketOperation.Create)
        {
            if (!TryLookup(bucket, out _))
            {
                Create(bucket.ToString());
            }

            return BucketReply.Ok;
        }

        if (!TryLookup(bucket, out var found))
        {
            return BucketReply.NotFound;
        }

        try
        {
            switch (operation)
            {
                case BucketOperation.Get:
                    return BucketReply.Of(found.TryGetUtf8(key, out var stored) ? stored : null);
                case BucketOperation.Put:
                    found.PutUtf8(key, value);
                    return BucketReply.Ok;
                case BucketOperation.Delete:
                    return BucketReply.Of(found.TryRemoveUtf8(key, out var removed) ? removed : null);
                default:
                    throw new ArgumentOutOfRangeException(nameof(operation), operation, "not a bucket operation");
            }
        }
        catch (BucketStoppedException)
        {
            // The bucket stopped between the lookup and the operation: it no longer exists.
            return BucketReply.NotFound;
        }
    }
}

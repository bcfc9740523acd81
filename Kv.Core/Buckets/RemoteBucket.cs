using System.Text;
using Kv.Core.Routing;
using Kv.Distribution;
using Kv.Distribution.Nodes;

namespace Kv.Core.Buckets;

/// <summary>
/// A bucket on another node, used exactly like a local one: each operation is one rpc to the owner
/// (<c>KV.Router.Execute</c>), with the value as UTF-8 bytes on the wire; strings are made at this
/// edge only.
/// </summary>
/// <remarks>
/// A bucket that no longer exists on the owner throws <see cref="BucketStoppedException"/>, as a
/// stopped local bucket does; an owner that cannot be reached, does not answer in time or fails
/// throws <see cref="BucketUnavailableException"/>.
/// </remarks>
public sealed class RemoteBucket(Node node, NodeName owner, string name) : IBucket
{
    private readonly RouterMetrics? _metrics;

    /// <summary>A reference the router hands out, whose calls it counts in <paramref name="metrics"/>.</summary>
    internal RemoteBucket(Node node, NodeName owner, string name, RouterMetrics? metrics)
        : this(node, owner, name) => _metrics = metrics;

    /// <inheritdoc />
    public string Name { get; } = name;

    /// <summary>The node the bucket lives on.</summary>
    public NodeName Owner { get; } = owner;

    /// <inheritdoc />
    public async ValueTask<string?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Decode(await ExecuteAsync(BucketRequest.Get(Name, key), cancellationToken));
    }

    /// <inheritdoc />
    public async ValueTask PutAsync(string key, string value, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        await ExecuteAsync(BucketRequest.Put(Name, key, Encoding.UTF8.GetBytes(value)), cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask<string?> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Decode(await ExecuteAsync(BucketRequest.Delete(Name, key), cancellationToken));
    }

    /// <inheritdoc />
    public override string ToString() => $"Bucket({Name}@{Owner})";

    private async ValueTask<BucketReply> ExecuteAsync(BucketRequest request, CancellationToken cancellationToken)
    {
        var reply = await OwnerCall.ExecuteAsync(node, Owner, request, hops: 1, timeout: null, _metrics, cancellationToken);
        return reply.Status == BucketStatus.NotFound ? throw new BucketStoppedException(Name) : reply;
    }

    private static string? Decode(BucketReply reply) => reply.Value is { } value ? Encoding.UTF8.GetString(value) : null;
}

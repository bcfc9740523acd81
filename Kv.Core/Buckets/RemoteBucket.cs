using Kv.Core.Application;
using Kv.Distribution;
using Kv.Distribution.Nodes;
using Kv.Distribution.Rpc;

namespace Kv.Core.Buckets;

/// <summary>
/// A bucket on another node, used exactly like a local one: each operation runs on the owner
/// (<c>KV.Bucket.Get</c>, <c>Put</c>, <c>Delete</c>) in one round trip.
/// </summary>
public sealed class RemoteBucket(Node node, NodeName owner, string name) : IBucket
{
    /// <inheritdoc />
    public string Name { get; } = name;

    /// <summary>The node the bucket lives on.</summary>
    public NodeName Owner { get; } = owner;

    /// <inheritdoc />
    public async ValueTask<string?> GetAsync(string key, CancellationToken cancellationToken = default) =>
        (string?)await CallAsync("Get", [Name, key], cancellationToken);

    /// <inheritdoc />
    public async ValueTask PutAsync(string key, string value, CancellationToken cancellationToken = default) =>
        await CallAsync("Put", [Name, key, value], cancellationToken);

    /// <inheritdoc />
    public async ValueTask<string?> DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        (string?)await CallAsync("Delete", [Name, key], cancellationToken);

    /// <inheritdoc />
    public override string ToString() => $"Bucket({Name}@{Owner})";

    private async Task<object?> CallAsync(string function, object?[] args, CancellationToken cancellationToken)
    {
        try
        {
            return await node.CallAsync(Owner, KvFunctions.BucketModule, function, args, cancellationToken: cancellationToken);
        }
        catch (RpcException ex) when (ex.RemoteType == typeof(BucketStoppedException).FullName)
        {
            throw new BucketStoppedException(Name);
        }
    }
}

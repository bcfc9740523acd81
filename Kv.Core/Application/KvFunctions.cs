using Kv.Core.Buckets;
using Kv.Core.Routing;
using Kv.Distribution;
using Kv.Distribution.Rpc;

namespace Kv.Core.Application;

/// <summary>
/// What a kv node exports to the others: the registry (<c>KV.Registry.Create/Lookup</c>), bucket
/// operations (<c>KV.Bucket.Get/Put/Delete</c>) and the router (<c>KV.Router.Route</c>).
/// </summary>
public static class KvFunctions
{
    /// <summary>The registry's module name.</summary>
    public const string RegistryModule = "KV.Registry";

    /// <summary>The bucket operations' module name.</summary>
    public const string BucketModule = "KV.Bucket";

    /// <summary>The router's module name.</summary>
    public const string RouterModule = "KV.Router";

    /// <summary>Exports the kv functions of <paramref name="registry"/> and <paramref name="router"/> on <paramref name="node"/>.</summary>
    public static void Register(Node node, BucketRegistry registry, Router router)
    {
        ArgumentNullException.ThrowIfNull(node);
        node.Functions.RegisterModule(new RegistryFunctions(registry));
        node.Functions.RegisterModule(new BucketFunctions(registry));
        node.Functions.RegisterModule(new RouterFunctions(router));
    }

    [ExportModule(RegistryModule)]
    private sealed class RegistryFunctions(BucketRegistry registry)
    {
        [Export(Inline = true)]
        public string Create(string name)
        {
            registry.Create(name);
            return "ok";
        }

        [Export(Inline = true)]
        public bool Lookup(string name) => registry.TryLookup(name, out _);
    }

    [ExportModule(BucketModule)]
    private sealed class BucketFunctions(BucketRegistry registry)
    {
        [Export(Inline = true)]
        public string? Get(string name, string key) => Find(name).Get(key);

        [Export(Inline = true)]
        public string Put(string name, string key, string value)
        {
            Find(name).Put(key, value);
            return "ok";
        }

        [Export(Inline = true)]
        public string? Delete(string name, string key) => Find(name).Delete(key);

        private Bucket Find(string name) =>
            registry.TryLookup(name, out var bucket) ? bucket : throw new BucketStoppedException(name);
    }

    [ExportModule(RouterModule)]
    private sealed class RouterFunctions(Router router)
    {
        // Inline: a route to this node's own buckets completes at once; one passed on awaits its rpc off the loop.
        [Export(Inline = true)]
        public Task<object?> Route(string bucket, string module, string function, object?[] args, long hops) =>
            router.RouteAsync(bucket, module, function, args, hops, CancellationToken.None);
    }
}

using System.Text;
using Kv.Core.Buckets;
using Kv.Core.Routing;
using Kv.Distribution;
using Kv.Distribution.Rpc;
using Kv.Distribution.Support;

namespace Kv.Core.Application;

/// <summary>
/// What a kv node exports to the others, under the names of <see cref="KvExports"/>: the registry
/// (<c>KV.Registry.Create/Lookup</c>), bucket operations on string values
/// (<c>KV.Bucket.Get/Put/Delete</c>) and the router (<c>KV.Router.Route</c> for any function,
/// <c>KV.Router.Execute</c> for one bucket operation on UTF-8 values).
/// </summary>
public static class KvFunctions
{
    /// <summary>Exports the kv functions of <paramref name="registry"/> and <paramref name="router"/> on <paramref name="node"/>.</summary>
    public static void Register(Node node, BucketRegistry registry, Router router)
    {
        ArgumentNullException.ThrowIfNull(node);
        node.Functions.RegisterModule(new RegistryFunctions(registry));
        node.Functions.RegisterModule(new BucketFunctions(registry));
        node.Functions.RegisterModule(new RouterFunctions(router));
    }

    [ExportModule(KvExports.RegistryModule)]
    private sealed class RegistryFunctions(BucketRegistry registry)
    {
        [Export(KvExports.Create, Inline = true)]
        public string Create(string name)
        {
            registry.Create(name);
            return "ok";
        }

        [Export(KvExports.Lookup, Inline = true)]
        public bool Lookup(string name) => registry.TryLookup(name, out _);
    }

    [ExportModule(KvExports.BucketModule)]
    private sealed class BucketFunctions(BucketRegistry registry)
    {
        [Export(KvExports.Get, Inline = true)]
        public string? Get(string name, string key) => Find(name).Get(key);

        [Export(KvExports.Put, Inline = true)]
        public string Put(string name, string key, string value)
        {
            Find(name).Put(key, value);
            return "ok";
        }

        [Export(KvExports.Delete, Inline = true)]
        public string? Delete(string name, string key) => Find(name).Delete(key);

        private Bucket Find(string name) =>
            registry.TryLookup(name, out var bucket) ? bucket : throw new BucketStoppedException(name);
    }

    [ExportModule(KvExports.RouterModule)]
    private sealed class RouterFunctions(Router router)
    {
        // Inline: a route to this node's own buckets completes at once; one passed on awaits its rpc off the loop.
        [Export(KvExports.Route, Inline = true)]
        public Task<object?> Route(string bucket, string module, string function, object?[] args, long hops) =>
            router.RouteAsync(bucket, module, function, args, hops, CancellationToken.None);

        // Inline, as Route: an operation on this node's bucket is a dictionary access, done before the
        // reply is sent; one passed on awaits its rpc. The terms are BucketTerms'.
        [Export(KvExports.Execute, Inline = true)]
        public async ValueTask<object?> Execute(long operation, string bucket, string key, byte[]? value, long hops) =>
            BucketTerms.Reply(await router.ExecuteAsync(new BucketRequest(BucketTerms.Operation(operation), bucket, key, value), hops, CancellationToken.None));

        // Inline, as Execute, and in order: the operations of one client's pipeline, packed
        // (PackedBatch), which must run as it sent them. Each runs on the UTF-8 words it arrived
        // as, as a local command does; one the tables disagree on is passed on and awaited before
        // the next runs. The replies go into a pooled buffer, which the node gives back once the
        // reply frame has copied it: a call of a thousand operations leaves no large array behind.
        // A malformed request runs nothing: every record is checked before the first runs, and the
        // call fails with the ArgumentException.
        [Export(KvExports.ExecuteMany, Inline = true)]
        public async ValueTask<object?> ExecuteMany(byte[] operations, long hops)
        {
            PackedBatch.Check(operations);
            var replies = new PooledBufferWriter(Math.Max(256, operations.Length));
            try
            {
                var offset = 0;
                while (PackedBatch.TryReadOperation(operations, ref offset, out var operation, out var bucket, out var key, out var value))
                {
                    try
                    {
                        if (router.TryExecuteHere(operation, bucket.Span, key.Span, value.Span, out var reply))
                        {
                            PackedBatch.WriteReply(replies, reply);
                            continue;
                        }

                        var request = new BucketRequest(operation, Encoding.UTF8.GetString(bucket.Span), Encoding.UTF8.GetString(key.Span), operation == BucketOperation.Put ? value.ToArray() : null);
                        PackedBatch.WriteReply(replies, await router.ExecuteAsync(request, hops, CancellationToken.None));
                    }
                    catch (Exception ex) when (ex is RoutingException or BucketStoppedException or BucketLimitException or BucketUnavailableException)
                    {
                        PackedBatch.WriteFailure(replies, ex);
                    }
                }
            }
            catch
            {
                replies.Dispose();
                throw;
            }

            return replies;
        }

        // ExecuteMany, not inline: the first half of a large call (OwnerQueue) runs on the pool
        // while the link's loop runs the second, an ExecuteMany. Each half holds whole client batches.
        [Export(KvExports.ExecuteManyConcurrently)]
        public ValueTask<object?> ExecuteManyConcurrently(byte[] operations, long hops) => ExecuteMany(operations, hops);
    }
}

namespace Kv.Core.Application;

/// <summary>
/// The names of everything a kv node exports to the others, in one place: the exports
/// (<see cref="KvFunctions"/>) and every caller (the router, remote buckets, the shell) use these
/// constants, so a name cannot drift between the two ends of a call.
/// </summary>
/// <remarks>
/// A remote caller names a function as <c>Module.Function</c>: <c>KV.Registry.Create</c>,
/// <c>KV.Bucket.Get</c>, <c>KV.Router.Execute</c>. The names are part of the wire contract between
/// nodes: renaming one breaks calls from nodes that run an older kv.
/// </remarks>
public static class KvExports
{
    /// <summary>The registry's module: <see cref="Create"/> and <see cref="Lookup"/>.</summary>
    public const string RegistryModule = "KV.Registry";

    /// <summary>The bucket operations' module: <see cref="Get"/>, <see cref="Put"/> and <see cref="Delete"/>, on string values.</summary>
    public const string BucketModule = "KV.Bucket";

    /// <summary>The router's module: <see cref="Route"/>, <see cref="Execute"/> and <see cref="ExecuteMany"/>.</summary>
    public const string RouterModule = "KV.Router";

    /// <summary><c>KV.Registry.Create(name)</c>: creates the bucket when there is none; answers <c>"ok"</c>.</summary>
    public const string Create = "Create";

    /// <summary><c>KV.Registry.Lookup(name)</c>: whether the bucket exists.</summary>
    public const string Lookup = "Lookup";

    /// <summary><c>KV.Bucket.Get(name, key)</c>: the value, or nil.</summary>
    public const string Get = "Get";

    /// <summary><c>KV.Bucket.Put(name, key, value)</c>: answers <c>"ok"</c>.</summary>
    public const string Put = "Put";

    /// <summary><c>KV.Bucket.Delete(name, key)</c>: the value the key had, or nil.</summary>
    public const string Delete = "Delete";

    /// <summary><c>KV.Router.Route(bucket, module, function, args, hops)</c>: runs any exported function on the bucket's owner.</summary>
    public const string Route = "Route";

    /// <summary><c>KV.Router.Execute(operation, bucket, key, value, hops)</c>: runs one bucket operation on the bucket's owner, values as UTF-8 bytes.</summary>
    public const string Execute = "Execute";

    /// <summary>
    /// <c>KV.Router.ExecuteMany(operations, hops)</c>: runs bucket operations on their owner, in order,
    /// each checked against its table as by <see cref="Execute"/>; the operations and the replies
    /// (one each, a failed one with its exception's type and message) travel as one bin each,
    /// packed as <c>Kv.Core.Routing.PackedBatch</c> says.
    /// </summary>
    public const string ExecuteMany = "ExecuteMany";

    /// <summary>
    /// <c>KV.Router.ExecuteManyConcurrently(operations, hops)</c>: <see cref="ExecuteMany"/>, run on the
    /// owner's thread pool instead of its link's loop, so that the calls after it on the link run
    /// meanwhile. The router sends a large call as one of these and an <see cref="ExecuteMany"/>
    /// (<c>Kv.Core.Routing.OwnerQueue</c>).
    /// </summary>
    public const string ExecuteManyConcurrently = "ExecuteManyConcurrently";
}

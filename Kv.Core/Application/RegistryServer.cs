using Kv.Core.Buckets;
using Kv.Distribution.Servers;

namespace Kv.Core.Application;

/// <summary>
/// The bucket registry as a named server (the guide's <c>KV.Registry</c>), so that other nodes can
/// call it: <c>["create", name]</c> answers <c>"ok"</c>, <c>["lookup", name]</c> answers whether the
/// bucket exists.
/// </summary>
public sealed class RegistryServer(BucketRegistry registry) : GenServer
{
    /// <summary>The name it is registered under on every node.</summary>
    public const string Name = "KV.Registry";

    /// <inheritdoc />
    protected override ValueTask<object?> HandleCallAsync(object? request, CallFrom from) => request switch
    {
        object?[] { Length: 2 } create when create[0] is "create" && create[1] is string name =>
            ValueTask.FromResult<object?>(Created(name)),
        object?[] { Length: 2 } lookup when lookup[0] is "lookup" && lookup[1] is string name =>
            ValueTask.FromResult<object?>(registry.TryLookup(name, out _)),
        _ => base.HandleCallAsync(request, from),
    };

    private string Created(string name)
    {
        registry.Create(name);
        return "ok";
    }
}

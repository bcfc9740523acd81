namespace Kv.Core.Buckets;

/// <summary>
/// What can be done to a named bucket, wherever it lives: the verbs of the text protocol.
/// </summary>
/// <remarks>
/// The numbers cross the wire (<c>KV.Router.Execute</c>'s first argument): they are append-only.
/// </remarks>
public enum BucketOperation : byte
{
    /// <summary>Create the bucket when there is none (<c>CREATE bucket</c>).</summary>
    Create = 0,

    /// <summary>Read a key's value (<c>GET bucket key</c>).</summary>
    Get = 1,

    /// <summary>Store a value under a key (<c>PUT bucket key value</c>).</summary>
    Put = 2,

    /// <summary>Remove a key (<c>DELETE bucket key</c>).</summary>
    Delete = 3,
}

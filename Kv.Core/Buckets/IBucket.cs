namespace Kv.Core.Buckets;

/// <summary>
/// A reference to a bucket: a map of string keys to string values that may live in this process
/// or on another node. Every operation is asynchronous so that a remote bucket can be used exactly
/// like a local one; a local <see cref="Bucket"/> completes synchronously.
/// </summary>
/// <remarks>
/// Operations on a bucket that has stopped throw <see cref="BucketStoppedException"/>, as a call
/// to a process that has exited fails with <c>noproc</c> in Erlang.
/// </remarks>
public interface IBucket
{
    /// <summary>The bucket's name, unique within its registry.</summary>
    string Name { get; }

    /// <summary>Gets the value stored under <paramref name="key"/>, or <see langword="null"/> when there is none.</summary>
    ValueTask<string?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Stores <paramref name="value"/> under <paramref name="key"/>, replacing any previous value.</summary>
    ValueTask PutAsync(string key, string value, CancellationToken cancellationToken = default);

    /// <summary>Removes <paramref name="key"/> and returns the value it had, or <see langword="null"/> when there was none.</summary>
    ValueTask<string?> DeleteAsync(string key, CancellationToken cancellationToken = default);
}

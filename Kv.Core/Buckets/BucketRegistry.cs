using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Kv.Core.Buckets;

/// <summary>
/// The registry of named buckets in this process (the guide's <c>KV.Registry</c>).
/// </summary>
/// <remarks>
/// Lookups take no lock. <see cref="Create"/> is idempotent: concurrent creates of one name all
/// return the same bucket. A bucket that stops or fails is removed from the registry before
/// <see cref="Bucket.Stop"/> or <see cref="Bucket.Fail"/> returns, so a lookup made after that
/// never sees it.
/// </remarks>
public sealed partial class BucketRegistry
{
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Bucket>.AlternateLookup<ReadOnlySpan<char>> _bySpan;

    /// <summary>Creates an empty registry.</summary>
    public BucketRegistry()
    {
        _bySpan = _buckets.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The number of live buckets.</summary>
    public int Count => _buckets.Count;

    /// <summary>The names of the live buckets, as of the call.</summary>
    public IReadOnlyCollection<string> Names => [.. _buckets.Keys];

    /// <summary>Returns the bucket named <paramref name="name"/>, creating it when there is none.</summary>
    /// <param name="name">The bucket's name; not empty.</param>
    public Bucket Create(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (_buckets.TryGetValue(name, out var existing))
        {
            return existing;
        }

        var created = new Bucket(name);
        var winner = _buckets.GetOrAdd(name, created);
        if (ReferenceEquals(winner, created))
        {
            created.Completion.ContinueWith(
                static (_, state) =>
                {
                    var (registry, bucket) = ((BucketRegistry, Bucket))state!;
                    registry._buckets.TryRemove(KeyValuePair.Create(bucket.Name, bucket));
                },
                (this, created),
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }

        return winner;
    }

    /// <summary>Finds the live bucket named <paramref name="name"/>.</summary>
    /// <returns><see langword="true"/> when it exists.</returns>
    public bool TryLookup(string name, [NotNullWhen(true)] out Bucket? bucket) =>
        _buckets.TryGetValue(name, out bucket);

    /// <summary>Finds a bucket by a name given as characters, without allocating.</summary>
    /// <returns><see langword="true"/> when it exists.</returns>
    public bool TryLookup(ReadOnlySpan<char> name, [NotNullWhen(true)] out Bucket? bucket) =>
        _bySpan.TryGetValue(name, out bucket);
}

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
/// never sees it. At most <see cref="MaxBuckets"/> buckets live at once: one more is refused with
/// <see cref="BucketLimitException"/>, exactly, however many threads create at the same time.
/// </remarks>
public sealed partial class BucketRegistry
{
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Bucket>.AlternateLookup<ReadOnlySpan<char>> _bySpan;

    /// <summary>The default of <see cref="MaxBuckets"/>.</summary>
    public const int DefaultMaxBuckets = 100_000;

    // Live buckets and creates under way: a create takes a place before it adds its bucket.
    private int _places;

    /// <summary>Creates an empty registry that holds at most <paramref name="maxBuckets"/> buckets at once.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxBuckets"/> is less than 1.</exception>
    public BucketRegistry(int maxBuckets = DefaultMaxBuckets)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBuckets, 1);
        MaxBuckets = maxBuckets;
        _bySpan = _buckets.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The most buckets that live at once (<c>--max-buckets</c>).</summary>
    public int MaxBuckets { get; }

    /// <summary>The number of live buckets.</summary>
    public int Count => _buckets.Count;

    /// <summary>The names of the live buckets, as of the call.</summary>
    public IReadOnlyCollection<string> Names => [.. _buckets.Keys];

    /// <summary>Returns the bucket named <paramref name="name"/>, creating it when there is none.</summary>
    /// <param name="name">The bucket's name; not empty.</param>
    /// <exception cref="BucketLimitException">There is no such bucket and <see cref="MaxBuckets"/> live already.</exception>
    public Bucket Create(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (_buckets.TryGetValue(name, out var existing))
        {
            return existing;
        }

        if (Interlocked.Increment(ref _places) > MaxBuckets)
        {
            Interlocked.Decrement(ref _places);

            // Created meanwhile by another thread: it exists, which is all a create asks.
            return _buckets.TryGetValue(name, out existing) ? existing : throw new BucketLimitException(MaxBuckets);
        }

        var created = new Bucket(name);
        var winner = _buckets.GetOrAdd(name, created);
        if (!ReferenceEquals(winner, created))
        {
            Interlocked.Decrement(ref _places);
        }
        else
        {
            created.Completion.ContinueWith(
                static (_, state) =>
                {
                    var (registry, bucket) = ((BucketRegistry, Bucket))state!;
                    if (registry._buckets.TryRemove(KeyValuePair.Create(bucket.Name, bucket)))
                    {
                        Interlocked.Decrement(ref registry._places);
                    }
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

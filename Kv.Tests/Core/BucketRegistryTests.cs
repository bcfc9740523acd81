using Kv.Core.Buckets;

namespace Kv.Tests.Core;

public sealed class BucketRegistryTests
{
    [Fact]
    public void Lookup_UnknownName_ReturnsFalse()
    {
        var registry = new BucketRegistry();

        Assert.False(registry.TryLookup("shopping", out _));
        Assert.False(registry.TryLookup("shopping".AsSpan(), out _));
    }

    [Fact]
    public void Create_ThenLookup_FindsTheBucket_ByStringAndBySpan()
    {
        var registry = new BucketRegistry();

        var bucket = registry.Create("shopping");
        bucket.Put("milk", "1");

        Assert.True(registry.TryLookup("shopping", out var byString));
        Assert.True(registry.TryLookup("shopping".AsSpan(), out var bySpan));
        Assert.Same(bucket, byString);
        Assert.Same(bucket, bySpan);
        Assert.Equal("1", byString.Get("milk"));
    }

    [Fact]
    public void Create_ExistingName_ReturnsTheExistingBucket()
    {
        var registry = new BucketRegistry();

        var first = registry.Create("shopping");
        first.Put("milk", "1");
        var second = registry.Create("shopping");

        Assert.Same(first, second);
        Assert.Equal("1", second.Get("milk"));
    }

    [Fact]
    public async Task ConcurrentCreates_OfOneName_YieldOneBucket()
    {
        var registry = new BucketRegistry();
        using var start = new ManualResetEventSlim();

        var creators = Enumerable.Range(0, 16)
            .Select(_ => Task.Run(() =>
            {
                start.Wait(TestContext.Current.CancellationToken);
                return registry.Create("contended");
            }, TestContext.Current.CancellationToken))
            .ToArray();
        start.Set();
        var buckets = await Task.WhenAll(creators);

        Assert.Single(buckets.Distinct());
        Assert.Equal(1, registry.Count);
        Assert.True(registry.TryLookup("contended", out var registered));
        Assert.Same(buckets[0], registered);
    }

    [Fact]
    public void StoppedBucket_IsRemoved_BeforeStopReturns()
    {
        var registry = new BucketRegistry();
        var bucket = registry.Create("shopping");

        bucket.Stop();

        Assert.False(registry.TryLookup("shopping", out _));
        Assert.Equal(0, registry.Count);
    }

    [Fact]
    public void FailedBucket_IsRemoved()
    {
        var registry = new BucketRegistry();
        var bucket = registry.Create("shopping");

        bucket.Fail(new InvalidOperationException("crash"));

        Assert.False(registry.TryLookup("shopping", out _));
    }

    [Fact]
    public void Create_AfterStop_GivesAFreshEmptyBucket()
    {
        var registry = new BucketRegistry();
        var old = registry.Create("shopping");
        old.Put("milk", "1");
        old.Stop();

        var fresh = registry.Create("shopping");

        Assert.NotSame(old, fresh);
        Assert.Null(fresh.Get("milk"));
    }

    [Fact]
    public void StoppingAReplacedBucket_DoesNotRemoveItsSuccessor()
    {
        var registry = new BucketRegistry();
        var old = registry.Create("shopping");
        old.Stop();
        var fresh = registry.Create("shopping");

        old.Stop();

        Assert.True(registry.TryLookup("shopping", out var found));
        Assert.Same(fresh, found);
    }

    [Fact]
    public void Create_PastTheLimit_Throws_ButExistingNamesAreStillCreated()
    {
        var registry = new BucketRegistry(maxBuckets: 2);
        var a = registry.Create("a");
        registry.Create("b");

        var refused = Assert.Throws<BucketLimitException>(() => registry.Create("c"));

        Assert.Equal(2, refused.MaxBuckets);
        Assert.Same(a, registry.Create("a"));
        Assert.False(registry.TryLookup("c", out _));
        Assert.Equal(2, registry.Count);
    }

    [Fact]
    public void AStoppedBucket_FreesItsPlace()
    {
        var registry = new BucketRegistry(maxBuckets: 1);
        var a = registry.Create("a");
        Assert.Throws<BucketLimitException>(() => registry.Create("b"));

        a.Stop();

        Assert.Equal("b", registry.Create("b").Name);
        Assert.Throws<BucketLimitException>(() => registry.Create("a"));
    }

    [Fact]
    public async Task ConcurrentCreates_OfManyNames_CreateExactlyTheLimit()
    {
        const int Limit = 50;
        var registry = new BucketRegistry(Limit);
        using var start = new Barrier(4);

        var created = await Task.WhenAll(Enumerable.Range(0, 4).Select(worker => Task.Run(() =>
        {
            start.SignalAndWait(TestContext.Current.CancellationToken);
            var mine = 0;
            for (var i = 0; i < 100; i++)
            {
                try
                {
                    // Every worker creates the same 100 names: half of each worker's creates race another's.
                    registry.Create($"b{(i + (worker * 50)) % 100}");
                    mine++;
                }
                catch (BucketLimitException)
                {
                }
            }

            return mine;
        })));

        Assert.Equal(Limit, registry.Count);
        Assert.Throws<BucketLimitException>(() => registry.Create("one-more"));
        Assert.True(created.Sum() >= Limit);
    }

    [Fact]
    public void TheLimit_IsAtLeastOne() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new BucketRegistry(maxBuckets: 0));
}

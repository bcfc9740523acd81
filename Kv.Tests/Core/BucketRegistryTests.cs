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
}

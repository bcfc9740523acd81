using Kv.Core.Buckets;

namespace Kv.Tests.Core;

public sealed class BucketTests
{
    [Fact]
    public void Get_MissingKey_ReturnsNull()
    {
        var bucket = new Bucket("shopping");

        Assert.Null(bucket.Get("milk"));
    }

    [Fact]
    public void Put_ThenGet_ReturnsValue_AndPutAgainReplaces()
    {
        var bucket = new Bucket("shopping");

        bucket.Put("milk", "1");
        Assert.Equal("1", bucket.Get("milk"));

        bucket.Put("milk".AsSpan(), "3");
        Assert.True(bucket.TryGet("milk".AsSpan(), out var value));
        Assert.Equal("3", value);
    }

    [Fact]
    public void Delete_ReturnsCurrentValue_AndRemovesKey()
    {
        var bucket = new Bucket("shopping");
        bucket.Put("milk", "3");

        Assert.Equal("3", bucket.Delete("milk"));
        Assert.Null(bucket.Get("milk"));
        Assert.Null(bucket.Delete("milk".AsSpan()));
    }

    [Fact]
    public async Task AsyncOperations_OnLocalBucket_CompleteSynchronously()
    {
        IBucket bucket = new Bucket("shopping");

        var ct = TestContext.Current.CancellationToken;
        var put = bucket.PutAsync("eggs", "12", ct);
        Assert.True(put.IsCompletedSuccessfully);
        await put;
        var get = bucket.GetAsync("eggs", ct);
        Assert.True(get.IsCompletedSuccessfully);
        Assert.Equal("12", await get);
        Assert.Equal("12", await bucket.DeleteAsync("eggs", ct));
    }

    [Fact]
    public async Task ConcurrentPuts_OfDistinctKeys_AreAllKept()
    {
        var bucket = new Bucket("numbers");

        await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(() =>
        {
            for (var i = 0; i < 1000; i++)
            {
                bucket.Put($"{worker}:{i}", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }, TestContext.Current.CancellationToken)));

        Assert.Equal(8000, bucket.Count);
        Assert.Equal("999", bucket.Get("7:999"));
    }

    [Fact]
    public async Task Stop_EndsTheBucket_AndLaterOperationsThrow()
    {
        var bucket = new Bucket("shopping");
        bucket.Put("milk", "1");

        bucket.Stop();

        Assert.True(bucket.IsStopped);
        await bucket.Completion;
        var error = Assert.Throws<BucketStoppedException>(() => bucket.Get("milk"));
        Assert.Equal("shopping", error.BucketName);
        Assert.Throws<BucketStoppedException>(() => bucket.Put("milk", "2"));
    }

    [Fact]
    public async Task Fail_FaultsCompletion_WithTheFailure()
    {
        var bucket = new Bucket("shopping");
        var crash = new InvalidOperationException("boom");

        bucket.Fail(crash);

        var seen = await Assert.ThrowsAsync<InvalidOperationException>(() => bucket.Completion);
        Assert.Same(crash, seen);
    }

    [Fact]
    public void Constructor_EmptyName_Throws()
    {
        Assert.Throws<ArgumentException>(() => new Bucket(""));
    }
}

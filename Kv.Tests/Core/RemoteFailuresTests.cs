using Kv.Core.Buckets;
using Kv.Core.Routing;
using Kv.Distribution.Nodes;
using Kv.Distribution.Processes;
using Kv.Distribution.Rpc;

namespace Kv.Tests.Core;

/// <summary>How the runtime's failures of a call to a bucket's owner become Kv.Core exceptions, and the terms of <c>KV.Router.Execute</c>.</summary>
public sealed class RemoteFailuresTests
{
    private static readonly NodeName s_owner = NodeName.Parse("bar@host");

    [Fact]
    public void BucketStoppedOnTheOwner_IsBucketStopped()
    {
        var remote = new RpcException(RpcFailure.Exception, "bar@host", "Bucket 'zebras' has stopped", typeof(BucketStoppedException).FullName);

        var translated = Assert.IsType<BucketStoppedException>(RemoteFailures.Translate(remote, "zebras", s_owner));

        Assert.Equal("zebras", translated.BucketName);
    }

    [Fact]
    public void BucketLimitOnTheOwner_IsABucketLimitException_WithItsMessage()
    {
        var remote = new RpcException(RpcFailure.Exception, "bar@host", "Too many buckets: this node holds at most 2 (--max-buckets).", typeof(BucketLimitException).FullName);

        var translated = Assert.IsType<BucketLimitException>(RemoteFailures.Translate(remote, "zebras", s_owner));

        Assert.Contains("at most 2", translated.Message, StringComparison.Ordinal);
        Assert.Same(remote, translated.InnerException);
    }

    [Fact]
    public void RoutingFailureOnTheOwner_IsARoutingException_WithItsMessage()
    {
        var remote = new RpcException(RpcFailure.Exception, "bar@host", "the nodes' routing tables disagree", typeof(RoutingException).FullName);

        var translated = Assert.IsType<RoutingException>(RemoteFailures.Translate(remote, "zebras", s_owner));

        Assert.Contains("routing tables disagree", translated.Message, StringComparison.Ordinal);
        Assert.Same(remote, translated.InnerException);
    }

    [Theory]
    [InlineData(RpcFailure.NoConnection, "cannot be reached")]
    [InlineData(RpcFailure.Timeout, "no reply in time")]
    [InlineData(RpcFailure.Undefined, "does not run kv's router")]
    [InlineData(RpcFailure.BadArg, "rejected the request")]
    [InlineData(RpcFailure.Exception, "it failed")]
    public void AnyOtherRpcFailure_IsUnavailable_NamingBucketAndNode(RpcFailure failure, string reason)
    {
        var remote = new RpcException(failure, "bar@host", "what the runtime says", typeof(InvalidOperationException).FullName);

        var translated = Assert.IsType<BucketUnavailableException>(RemoteFailures.Translate(remote, "zebras", s_owner));

        Assert.StartsWith("Bucket 'zebras' on bar@host is unavailable: ", translated.Message, StringComparison.Ordinal);
        Assert.Contains(reason, translated.Message, StringComparison.Ordinal);
        Assert.Contains("what the runtime says", translated.Message, StringComparison.Ordinal);
        Assert.Same(remote, translated.InnerException);
        Assert.Equal("bar@host", translated.Node);
    }

    [Fact]
    public void AnExit_IsUnavailable()
    {
        var exit = new ExitException(Exits.NoConnection);

        var translated = Assert.IsType<BucketUnavailableException>(RemoteFailures.Translate(exit, "zebras", s_owner));

        Assert.Contains("noconnection", translated.Message, StringComparison.Ordinal);
        Assert.Same(exit, translated.InnerException);
    }

    [Fact]
    public void FailuresThatAreNotTheRuntimes_AreLeftAsTheyAre()
    {
        Assert.Null(RemoteFailures.Translate(new OperationCanceledException(), "zebras", s_owner));
        Assert.Null(RemoteFailures.Translate(new ArgumentException("bad"), "zebras", s_owner));
    }

    [Fact]
    public void ExecuteTerms_RoundTrip()
    {
        byte[] value = [0xE2, 0x82, 0xAC];
        Assert.Equal(new object?[] { 2L, "b", "k", value, 1L }, BucketTerms.Arguments(BucketRequest.Put("b", "k", value), 1));

        foreach (var reply in new[] { BucketReply.Ok, BucketReply.NotFound, BucketReply.Of(value) })
        {
            Assert.True(BucketTerms.TryReadReply(BucketTerms.Reply(reply), out var read));
            Assert.Equal(reply, read);
        }

        Assert.False(BucketTerms.TryReadReply(42L, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => BucketTerms.Operation(4));
    }
}

using System.Buffers;
using System.Text;
using Kv.Core.Buckets;
using Kv.Core.Routing;

namespace Kv.Tests.Core;

/// <summary>The packed operations and replies of <c>KV.Router.ExecuteMany</c>: read back as written, and malformed ones refused.</summary>
public sealed class PackedBatchTests
{
    [Fact]
    public void Operations_ReadBackAsWritten_InOrder()
    {
        var packed = new ArrayBufferWriter<byte>();
        PackedBatch.WriteOperation(packed, BucketOperation.Put, "shopping"u8, "milk"u8, "3"u8);
        PackedBatch.WriteOperation(packed, BucketOperation.Get, "shopping"u8, "milk"u8, default);
        PackedBatch.WriteOperation(packed, BucketOperation.Create, "émigré"u8, default, default);

        var read = new List<string>();
        var offset = 0;
        while (PackedBatch.TryReadOperation(packed.WrittenMemory, ref offset, out var operation, out var bucket, out var key, out var value))
        {
            read.Add($"{operation} {Text(bucket)} {Text(key)} {Text(value)}");
        }

        Assert.Equal(["Put shopping milk 3", "Get shopping milk ", "Create émigré  "], read);
    }

    [Fact]
    public void Replies_ReadBackAsWritten_ValuesAsSlices_FailuresWithTypeAndMessage()
    {
        var packed = new ArrayBufferWriter<byte>();
        PackedBatch.WriteReply(packed, BucketReply.Ok);
        PackedBatch.WriteReply(packed, BucketReply.Of("3"u8.ToArray()));
        PackedBatch.WriteReply(packed, BucketReply.Of([]));
        PackedBatch.WriteReply(packed, BucketReply.NotFound);
        PackedBatch.WriteFailure(packed, new BucketLimitException("too many buckets: 10 live"));

        var read = new List<string>();
        var offset = 0;
        while (PackedBatch.TryReadReply(packed.WrittenMemory, ref offset, out var status, out var value, out var failure))
        {
            read.Add(failure is var (type, message) ? $"{type}: {message}" : $"{status} {(value is { } bytes ? $"[{Text(bytes)}]" : "none")}");
        }

        Assert.Equal(["Ok none", "Ok [3]", "Ok []", "NotFound none", $"{typeof(BucketLimitException).FullName}: too many buckets: 10 live"], read);
    }

    [Theory]
    [InlineData(1)] // the operation alone
    [InlineData(3)] // half a length
    [InlineData(9)] // a length promising more bucket than follows
    public void A_truncated_operation_is_refused_as_malformed(int keep)
    {
        var packed = new ArrayBufferWriter<byte>();
        PackedBatch.WriteOperation(packed, BucketOperation.Get, "shopping"u8, "milk"u8, default);
        var offset = 0;
        var error = Assert.Throws<ArgumentException>(() => PackedBatch.TryReadOperation(packed.WrittenMemory[..keep], ref offset, out _, out _, out _, out _));
        Assert.Contains("runs past the end", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_operation_on_no_bucket_or_of_no_kind_is_refused()
    {
        var packed = new ArrayBufferWriter<byte>();
        PackedBatch.WriteOperation(packed, BucketOperation.Get, default, "milk"u8, default);
        var offset = 0;
        Assert.Throws<ArgumentException>(() => PackedBatch.TryReadOperation(packed.WrittenMemory, ref offset, out _, out _, out _, out _));

        var unknown = packed.WrittenSpan.ToArray();
        unknown[0] = 9;
        offset = 0;
        Assert.Throws<ArgumentOutOfRangeException>(() => PackedBatch.TryReadOperation(unknown, ref offset, out _, out _, out _, out _));
    }

    [Fact]
    public void A_reply_of_no_kind_is_refused()
    {
        var offset = 0;
        Assert.Throws<ArgumentException>(() => PackedBatch.TryReadReply(new byte[] { 7 }, ref offset, out _, out _, out _));
    }

    private static string Text(ReadOnlyMemory<byte> bytes) => Encoding.UTF8.GetString(bytes.Span);
}

using System.Buffers;
using System.Text;
using Kv.Core.Buckets;

namespace Kv.Server.Protocol;

/// <summary>
/// Carries out parsed commands against the bucket registry and writes each reply, byte for byte as
/// the protocol table says, into the connection's output.
/// </summary>
/// <remarks>
/// Bucket names and keys are decoded into a stack buffer and looked up by span, so GET, DELETE and
/// a PUT over an existing key allocate only what they must store.
/// </remarks>
internal sealed class CommandRunner(BucketRegistry registry)
{
    private const int StackChars = 512;

    /// <summary>Runs <paramref name="command"/> and writes its reply to <paramref name="output"/>.</summary>
    public void Run(in Command command, IBufferWriter<byte> output)
    {
        var needed = command.Bucket.Length + command.Key.Length;
        char[]? rented = null;
        var scratch = needed <= StackChars ? stackalloc char[StackChars] : (rented = ArrayPool<char>.Shared.Rent(needed));
        try
        {
            var bucketLength = Encoding.UTF8.GetChars(command.Bucket, scratch);
            var bucketName = scratch[..bucketLength];
            var keyLength = Encoding.UTF8.GetChars(command.Key, scratch[bucketLength..]);
            var key = scratch.Slice(bucketLength, keyLength);
            Run(command, bucketName, key, output);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    private void Run(in Command command, ReadOnlySpan<char> bucketName, ReadOnlySpan<char> key, IBufferWriter<byte> output)
    {
        if (command.Kind == CommandKind.Create)
        {
            registry.Create(bucketName.ToString());
            output.Write(Replies.Ok);
            return;
        }

        if (!registry.TryLookup(bucketName, out var bucket))
        {
            output.Write(Replies.NotFound);
            return;
        }

        try
        {
            switch (command.Kind)
            {
                case CommandKind.Get:
                    bucket.TryGet(key, out var value);
                    WriteValue(value, output);
                    break;
                case CommandKind.Put:
                    bucket.Put(key, Encoding.UTF8.GetString(command.Value));
                    output.Write(Replies.Ok);
                    break;
                case CommandKind.Delete:
                    bucket.Delete(key);
                    output.Write(Replies.Ok);
                    break;
            }
        }
        catch (BucketStoppedException)
        {
            // The bucket stopped between the lookup and the operation: it no longer exists.
            output.Write(Replies.NotFound);
        }
    }

    private static void WriteValue(string? value, IBufferWriter<byte> output)
    {
        if (!string.IsNullOrEmpty(value))
        {
            var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(value.Length));
            output.Advance(Encoding.UTF8.GetBytes(value, span));
        }

        output.Write(Replies.LineEnd);
        output.Write(Replies.Ok);
    }
}

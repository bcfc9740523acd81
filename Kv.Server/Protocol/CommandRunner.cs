using System.Buffers;
using System.Text;
using Kv.Core.Application;
using Kv.Core.Buckets;
using Kv.Core.Routing;
using Kv.Distribution.Processes;
using Kv.Distribution.Rpc;

namespace Kv.Server.Protocol;

/// <summary>
/// Carries out parsed commands against the bucket registry and writes each reply, byte for byte as
/// the protocol table says, into the connection's output.
/// </summary>
/// <remarks>
/// A command on a bucket of this node runs at once (<see cref="TryRun"/>): bucket names and keys are
/// decoded into a stack buffer and looked up by span, values stay UTF-8 bytes, so GET and DELETE
/// allocate nothing and a PUT only the copy of the value it stores (and the key when it is new). A command on another node's bucket goes through the
/// <see cref="Router"/> (<see cref="RunRemoteAsync"/>), as the guide's server does: the bucket is
/// created or looked up on its owner, then used there. A routing failure (no entry, node down,
/// timeout) is answered <c>ERROR</c>.
/// </remarks>
internal sealed class CommandRunner(BucketRegistry registry, Router router)
{
    private const int StackChars = 512;

    /// <summary>Runs <paramref name="command"/> when its bucket lives here and writes its reply.</summary>
    /// <returns><see langword="false"/> when the bucket lives elsewhere: run it with <see cref="RunRemoteAsync"/>.</returns>
    public bool TryRun(in Command command, IBufferWriter<byte> output)
    {
        if (!router.IsLocal(command.Bucket[0]))
        {
            return false;
        }

        Run(command, output);
        return true;
    }

    /// <summary>
    /// Runs a command on another node's bucket and writes its reply: one routed call to the owner
    /// (<c>KV.Registry.Create</c>, or <c>KV.Bucket.Get/Put/Delete</c>, which fail there as a stopped
    /// bucket when the bucket does not exist).
    /// </summary>
    public async Task RunRemoteAsync(RemoteCommand command, IBufferWriter<byte> output, CancellationToken cancellationToken)
    {
        try
        {
            var (module, function, args) = command.Kind switch
            {
                CommandKind.Create => (KvFunctions.RegistryModule, "Create", new object?[] { command.Bucket }),
                CommandKind.Get => (KvFunctions.BucketModule, "Get", new object?[] { command.Bucket, command.Key }),
                CommandKind.Put => (KvFunctions.BucketModule, "Put", new object?[] { command.Bucket, command.Key, command.Value }),
                _ => (KvFunctions.BucketModule, "Delete", new object?[] { command.Bucket, command.Key }),
            };
            var value = await router.RouteAsync(command.Bucket, module, function, args, cancellationToken);
            if (command.Kind == CommandKind.Get)
            {
                WriteValue(value as string, output);
            }
            else
            {
                output.Write(Replies.Ok);
            }
        }
        catch (Exception ex) when (ex is BucketStoppedException || (ex is RpcException rpc && rpc.RemoteType == typeof(BucketStoppedException).FullName))
        {
            output.Write(Replies.NotFound);
        }
        catch (Exception ex) when (ex is RoutingException or RpcException or ExitException)
        {
            output.Write(Replies.Error);
        }
    }

    /// <summary>The strings of a command that must be awaited.</summary>
    public static RemoteCommand Materialize(in Command command) => new(
        command.Kind,
        Encoding.UTF8.GetString(command.Bucket),
        Encoding.UTF8.GetString(command.Key),
        Encoding.UTF8.GetString(command.Value));

    private void Run(in Command command, IBufferWriter<byte> output)
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
                    if (bucket.TryGetUtf8(key, out var value))
                    {
                        output.Write(value);
                    }

                    output.Write(Replies.LineEnd);
                    output.Write(Replies.Ok);
                    break;
                case CommandKind.Put:
                    bucket.PutUtf8(key, command.Value);
                    output.Write(Replies.Ok);
                    break;
                case CommandKind.Delete:
                    bucket.Remove(key);
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

using System.Buffers;
using Kv.Core.Buckets;
using Kv.Core.Routing;
using Kv.Distribution.Support;
using Microsoft.Extensions.Logging;

namespace Kv.Server.Protocol;

/// <summary>
/// Carries out parsed commands through the <see cref="Router"/> and writes each one's reply, byte
/// for byte as the protocol table says, into the connection's output. Every command takes the same
/// path, and every reply is written here.
/// </summary>
/// <remarks>
/// <para>A command on a bucket of this node runs at once (<see cref="TryRunHere"/>): the router looks
/// the bucket and key up by their UTF-8 words, a value stays the bytes the bucket keeps, and nothing
/// is allocated but the copy a PUT stores (the benchmarks' <c>AllocationBudgets.md</c>). Commands on
/// other nodes' buckets go to their owners in a <see cref="RoutedBatch"/> (<see cref="PipelinedReplies"/>),
/// and each one's reply is written here from its outcome (<see cref="WriteOutcome"/>).</para>
/// <para>Failures are answered, never thrown: a bucket that is gone (<see cref="BucketStoppedException"/>)
/// is <c>NOT FOUND</c>; a CREATE past the owner's bucket limit (<see cref="BucketLimitException"/>)
/// is <c>ERROR too many buckets</c>; a bucket that cannot be routed (<see cref="RoutingException"/>) or whose
/// owner is unavailable (<see cref="BucketUnavailableException"/>) is <c>ERROR</c>, logged with why
/// (a warning at most once a second, Debug otherwise), as is any other failure, logged as an
/// error.</para>
/// </remarks>
internal sealed class CommandRunner(Router router, ILogger logger)
{
    /// <summary>A command answered ERROR for its route or its owner is a warning at most once a second.</summary>
    private readonly LogThrottle _unavailableWarnings = new(TimeSpan.FromSeconds(1));

    /// <summary>Runs <paramref name="command"/> and writes its reply when its bucket lives on this node; else does nothing, for the caller to route it.</summary>
    /// <returns>Whether it ran.</returns>
    public bool TryRunHere(in Command command, IBufferWriter<byte> output)
    {
        BucketReply reply;
        try
        {
            if (!router.TryExecuteHere(command.Operation, command.Bucket, command.Key, command.Value, out reply))
            {
                return false;
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            WriteFailure(command.Operation, ex, output);
            return true;
        }

        WriteReply(command.Operation, reply.Status, reply.Value, output);
        return true;
    }

    /// <summary>A batch for the commands of one client's pipeline that go to other nodes (<see cref="PipelinedReplies"/>).</summary>
    public RoutedBatch NewBatch() => new(router);

    /// <summary>Writes the reply of a command of a <see cref="RoutedBatch"/> that ended as <paramref name="outcome"/>.</summary>
    public void WriteOutcome(BucketOperation operation, in BucketOutcome outcome, IBufferWriter<byte> output)
    {
        if (outcome.Failure is { } failure)
        {
            WriteFailure(operation, failure, output);
        }
        else
        {
            WriteReply(operation, outcome.Status, outcome.Value is { } value ? value.Span : default, output);
        }
    }

    private static void WriteReply(BucketOperation operation, BucketStatus status, ReadOnlySpan<byte> value, IBufferWriter<byte> output)
    {
        if (status == BucketStatus.NotFound)
        {
            output.Write(Replies.NotFound);
            return;
        }

        if (operation == BucketOperation.Get)
        {
            // The value's line: empty when the key is absent.
            output.Write(value);
            output.Write(Replies.LineEnd);
        }

        output.Write(Replies.Ok);
    }

    private void WriteFailure(BucketOperation operation, Exception failure, IBufferWriter<byte> output)
    {
        switch (failure)
        {
            case BucketStoppedException:
                // The bucket stopped on its owner while the command ran there: it no longer exists.
                output.Write(Replies.NotFound);
                break;
            case BucketLimitException:
                // A CREATE past --max-buckets, here or on the owner: the client's doing, not logged.
                output.Write(Replies.TooManyBuckets);
                break;
            case RoutingException or BucketUnavailableException:
                ServerLog.CommandUnavailable(logger, _unavailableWarnings, operation, failure.Message);
                output.Write(Replies.Error);
                break;
            default:
                ServerLog.CommandFailed(logger, operation, failure);
                output.Write(Replies.Error);
                break;
        }
    }
}

using System.Buffers;
using System.Runtime.CompilerServices;
using Kv.Core.Buckets;
using Kv.Core.Routing;

namespace Kv.Server.Protocol;

/// <summary>
/// The replies of one client's pipeline while commands on other nodes' buckets are on their way.
/// A command on another node's bucket joins a <see cref="RoutedBatch"/> instead of being awaited
/// alone, and the replies of the commands after it, on any bucket, are held here; <see cref="FlushAsync"/>
/// sends the batch (one rpc per owner, which runs its commands in the client's order), then writes
/// every reply in the order of the commands.
/// </summary>
/// <remarks>
/// Bounded: <see cref="IsFull"/> past <see cref="MaxCommands"/> routed commands, or
/// <see cref="MaxBytes"/> of them or of held replies, and the session flushes before it reads on.
/// A command on this node's bucket still runs at once, before the routed ones before it: they are
/// on other buckets, so nothing the client can see changes but the order of its replies, which is
/// kept. One per client connection; not thread-safe.
/// </remarks>
internal sealed class PipelinedReplies(CommandRunner runner)
{
    /// <summary>The most routed commands held before the session must flush.</summary>
    public const int MaxCommands = 1024;

    /// <summary>The most bytes of routed commands, or of held replies, before the session must flush.</summary>
    public const int MaxBytes = 1024 * 1024;

    /// <summary>A held-replies buffer that grew past this is let go once flushed, so an idle client keeps none.</summary>
    private const int KeptCapacity = 16 * 1024;

    private readonly RoutedBatch _batch = runner.NewBatch();
    private readonly List<(int HeldOffset, BucketOperation Operation)> _routed = [];
    private ArrayBufferWriter<byte> _held = new(256);

    /// <summary>Whether routed commands are waiting: the replies of the commands after them must go to <see cref="Held"/>.</summary>
    public bool IsHolding => _routed.Count > 0;

    /// <summary>Whether the session must flush before it answers another command.</summary>
    public bool IsFull => _routed.Count >= MaxCommands || _batch.Bytes >= MaxBytes || _held.WrittenCount >= MaxBytes;

    /// <summary>Where the replies of commands answered at once go while <see cref="IsHolding"/>.</summary>
    public IBufferWriter<byte> Held => _held;

    /// <summary>Adds a command on another node's bucket; its reply will come after those held so far.</summary>
    public void Route(in Command command)
    {
        _routed.Add((_held.WrittenCount, command.Operation));
        _batch.Add(command.Operation, command.Bucket, command.Key, command.Value);
    }

    /// <summary>Runs the routed commands and writes every reply, routed and held, in order to <paramref name="output"/>; within the router's timeout.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (the server stops): the session ends without its replies.</exception>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask FlushAsync(IBufferWriter<byte> output, CancellationToken cancellationToken)
    {
        var routed = _batch.ExecuteAsync();
        await (cancellationToken.CanBeCanceled && !routed.IsCompleted ? routed.WaitAsync(cancellationToken) : routed);
        var written = 0;
        for (var i = 0; i < _routed.Count; i++)
        {
            var (heldOffset, operation) = _routed[i];
            output.Write(_held.WrittenSpan[written..heldOffset]);
            written = heldOffset;
            runner.WriteOutcome(operation, _batch[i], output);
        }

        output.Write(_held.WrittenSpan[written..]);
        _routed.Clear();
        _batch.Clear();
        if (_held.Capacity > KeptCapacity)
        {
            _held = new ArrayBufferWriter<byte>(256);
        }
        else
        {
            _held.ResetWrittenCount();
        }
    }
}

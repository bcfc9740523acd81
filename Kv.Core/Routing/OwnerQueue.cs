using System.Buffers;
using System.Diagnostics;
using Kv.Distribution;
using Kv.Distribution.Nodes;
using Kv.Distribution.Support;

namespace Kv.Core.Routing;

/// <summary>
/// The routed batches of every client on their way to one owner, at most <see cref="Window"/>
/// <c>KV.Router.ExecuteMany</c> calls at a time: a batch that comes while that many are in flight
/// waits with the others that come, and they all go as one call when one returns (group commit).
/// A lone client's batch goes at once; under load, many clients' commands share one frame, one
/// dispatch on the owner and one reply.
/// </summary>
/// <remarks>
/// <para>Order: a client has one batch in flight at a time (its session awaits it), and the owner
/// runs a call's operations in order, so each client's commands run as it sent them.</para>
/// <para>Large calls in two: a waiting call of <see cref="SplitOperations"/> or more goes as two
/// calls cut between batches, in the same slot of the window: the first as
/// <c>KV.Router.ExecuteManyConcurrently</c>, which the owner hands to its thread pool, the second
/// as <c>KV.Router.ExecuteMany</c>, which it runs on its link's loop meanwhile. A client's batch is
/// never cut, so its order holds; different clients' commands were concurrent already. On 2 cores,
/// where the owner's turn and the front's hand-out otherwise alternate with CPU to spare, this gave
/// 1.18x routed pipelined throughput (medians of 12 alternated rounds; BENCHMARKS.md, session 8).</para>
/// <para>Bounds: a waiting call holds at most <see cref="MaxWaitingBytes"/> of operations; a batch
/// that would take it past goes at once, beyond the window. Every batch has the router's timeout
/// from the moment it is queued: a call carries the earliest deadline of the batches it holds.</para>
/// <para>Each call is counted in the router's metrics, when it has them: its operations and its time.</para>
/// <para>Thread-safe. A call's reply is handed out where it is read, on the link's read loop
/// (<see cref="Node.CallInlineAsync"/>), and so are the sessions' continuations.</para>
/// </remarks>
internal sealed class OwnerQueue(Node node, NodeName owner, TimeSpan timeout, RouterMetrics? metrics)
{
    /// <summary>The most calls in flight to the owner before batches wait to go together.</summary>
    public const int Window = 2;

    /// <summary>
    /// A call of at least this many operations, from two batches or more, goes as two calls over its
    /// halves, which the owner runs side by side (one on its pool, <c>KV.Router.ExecuteManyConcurrently</c>).
    /// </summary>
    public const int SplitOperations = 128;

    /// <summary>The most bytes of operations a waiting call gathers.</summary>
    public const int MaxWaitingBytes = 1024 * 1024;

    private readonly Lock _gate = new();
    private int _inFlight;
    private Call? _waiting;
    private int _waitingOperations;

    /// <summary>The operations of the batches that wait for a call now.</summary>
    public int WaitingOperations => Volatile.Read(ref _waitingOperations);

    /// <summary>
    /// Sends <paramref name="packed"/> operations, alone or with other clients', and puts the i-th
    /// one's outcome at <paramref name="outcomes"/>[<paramref name="indices"/>[i]].
    /// </summary>
    /// <returns>Whether the owner replied: when not, <paramref name="packed"/> may still be read by a frame that goes out late, and must not be reused.</returns>
    public Task<bool> ExecuteAsync(ReadOnlyMemory<byte> packed, IReadOnlyList<int> indices, BucketOutcome[] outcomes)
    {
        var batch = new Batch(packed, indices, outcomes, Deadline.After(timeout));
        Call? now = null;
        lock (_gate)
        {
            if (_inFlight < Window)
            {
                _inFlight++;
                now = new Call(batch);
            }
            else if (_waiting is { } waiting && waiting.Bytes + packed.Length > MaxWaitingBytes)
            {
                // Full: this batch goes alone, beyond the window, rather than wait unbounded.
                _inFlight++;
                now = new Call(batch);
            }
            else
            {
                (_waiting ??= new Call()).Add(batch);
                _waitingOperations += indices.Count;
            }
        }

        if (now is not null)
        {
            _ = SendAsync(now);
        }

        return batch.Done.Task;
    }

    /// <summary>Sends <paramref name="call"/>, then the call that waited meanwhile, if any, in the same slot of the window.</summary>
    private async Task SendAsync(Call call)
    {
        while (true)
        {
            if (call.Operations >= SplitOperations && call.Split() is var (first, second))
            {
                // Two calls, written now in this order: the owner hands the first to its pool, then
                // runs the second on its link's loop meanwhile, so that its turn of a large call is
                // about halved (both on the pool measured less: a second thread to wake, the loop idle).
                var firstSent = SendOneAsync(first, concurrently: true);
                var secondAnswered = await SendOneAsync(second, concurrently: false);
                if (await firstSent && secondAnswered)
                {
                    call.Release();
                }
            }
            else
            {
                await SendOneAsync(call, concurrently: false);
            }

            lock (_gate)
            {
                if (_waiting is not { } next)
                {
                    _inFlight--;
                    return;
                }

                (call, _waiting) = (next, null);
                _waitingOperations = 0;
            }
        }
    }

    /// <summary>Sends <paramref name="call"/> and hands its batches their replies, or its failure.</summary>
    /// <returns>Whether the owner replied.</returns>
    private async Task<bool> SendOneAsync(Call call, bool concurrently)
    {
        try
        {
            var left = Deadline.Left(call.Deadline);
            var sentAt = Stopwatch.GetTimestamp();
            object? reply;
            try
            {
                reply = await OwnerCall.ExecuteManyAsync(node, owner, call.Packed, concurrently, left);
            }
            finally
            {
                metrics?.OwnerCall(call.Operations, sentAt);
            }

            call.Answer(reply, owner);
            return true;
        }
        catch (Exception ex)
        {
            call.Fail(ex, owner);
            return false;
        }
    }

    /// <summary>One client's batch: its operations, where their outcomes go, and when it must be answered by.</summary>
    private sealed record Batch(ReadOnlyMemory<byte> Packed, IReadOnlyList<int> Indices, BucketOutcome[] Outcomes, long Deadline)
    {
        public TaskCompletionSource<bool> Done { get; } = new();
    }

    /// <summary>One <c>KV.Router.ExecuteMany</c>: the batches it carries, their operations one after another.</summary>
    private sealed class Call
    {
        private readonly List<Batch> _batches;
        private readonly ReadOnlyMemory<byte>? _half;
        private PooledBufferWriter? _joined;

        /// <summary>A call for <paramref name="batch"/> alone, which sends its operations as they are.</summary>
        public Call(Batch batch)
        {
            _batches = [batch];
            Operations = batch.Indices.Count;
            Deadline = batch.Deadline;
        }

        /// <summary>A call that gathers the batches that wait.</summary>
        public Call() => _batches = [];

        /// <summary>A half of a joined call: <paramref name="batches"/>, whose operations are <paramref name="packed"/>, a slice of the whole's.</summary>
        private Call(List<Batch> batches, ReadOnlyMemory<byte> packed)
        {
            _batches = batches;
            _half = packed;
            foreach (var batch in batches)
            {
                Operations += batch.Indices.Count;
                Deadline = Math.Min(Deadline, batch.Deadline);
            }
        }

        public int Bytes => _joined?.WrittenCount ?? 0;

        /// <summary>The operations of the batches it carries.</summary>
        public int Operations { get; private set; }

        /// <summary>The earliest deadline of the batches it carries.</summary>
        public long Deadline { get; private set; } = long.MaxValue;

        public ReadOnlyMemory<byte> Packed => _half ?? _joined?.WrittenMemory ?? _batches[0].Packed;

        /// <summary>Whether its operations are a copy (joined), not a lone batch's own buffer.</summary>
        private bool IsCopy => _half is not null || _joined is not null;

        public void Add(Batch batch)
        {
            _joined ??= new PooledBufferWriter(Math.Max(4096, batch.Packed.Length * 4));
            _joined.Write(batch.Packed.Span);
            _batches.Add(batch);
            Operations += batch.Indices.Count;
            Deadline = Math.Min(Deadline, batch.Deadline);
        }

        /// <summary>
        /// Two calls over the two halves of its joined operations, cut at the batch boundary nearest
        /// half of them, which share its memory (<see cref="Release"/> gives it back once both are
        /// answered); <see langword="null"/> when it carries one batch.
        /// </summary>
        public (Call First, Call Second)? Split()
        {
            if (_joined is null || _batches.Count < 2)
            {
                return null;
            }

            var (count, bytes, operations) = (0, 0, 0);
            while (count < _batches.Count - 1 && (count == 0 || operations < Operations / 2))
            {
                bytes += _batches[count].Packed.Length;
                operations += _batches[count].Indices.Count;
                count++;
            }

            var joined = _joined.WrittenMemory;
            return (new Call(_batches.GetRange(0, count), joined[..bytes]), new Call(_batches.GetRange(count, _batches.Count - count), joined[bytes..]));
        }

        /// <summary>Gives the joined operations back to the pool: both halves went out and were answered.</summary>
        public void Release() => _joined?.Dispose();

        /// <summary>
        /// Hands each batch its replies, in order, and completes it. The joined operations, which
        /// went out since there is a reply, go back to the pool (a half's, with the other half's, by <see cref="Release"/>).
        /// </summary>
        public void Answer(object? reply, NodeName owner)
        {
            var offset = 0;
            foreach (var batch in _batches)
            {
                OwnerCall.ReadReplies(reply, ref offset, batch.Packed, batch.Indices, batch.Outcomes, owner);
                batch.Done.TrySetResult(true);
            }

            _joined?.Dispose();
        }

        /// <summary>Answers every batch with the call's failure.</summary>
        public void Fail(Exception failure, NodeName owner)
        {
            foreach (var batch in _batches)
            {
                if (OwnerCall.FailAll(failure, batch.Packed, batch.Indices, batch.Outcomes, owner))
                {
                    // A batch sent as it was may yet go out from its own buffer; a joined one was
                    // copied, and the copy, which may yet go out too, is left to the collector.
                    batch.Done.TrySetResult(IsCopy);
                }
                else
                {
                    batch.Done.TrySetException(failure);
                }
            }
        }
    }
}

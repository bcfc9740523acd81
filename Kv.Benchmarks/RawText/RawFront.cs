using System.Net.Sockets;

namespace Kv.Benchmarks.RawText;

/// <summary>
/// The raw baseline's front: client batches go to the owner over one link, at most
/// <paramref name="window"/> call frames in flight; batches that come meanwhile wait and go together
/// in one frame when a reply comes (kv's <c>OwnerQueue</c>, without its terms, rpc or deadlines).
/// Replies are handed out where they are read, on the link's receive loop, each client's written
/// there as kv's inline calls do.
/// </summary>
internal sealed class RawFront(Socket link, int window)
{
    private static readonly bool[] s_routedToOwner = [.. Enumerable.Repeat(true, 256)];

    private readonly Lock _gate = new();
    private readonly Queue<Call> _inFlight = new();
    private Call? _waiting;

    /// <summary>Serves <paramref name="client"/> until it closes.</summary>
    public async Task ServeAsync(Socket client)
    {
        using var _ = client;
        using var session = new Session();
        var input = new RawInput();
        while (await input.ReceiveAsync(client))
        {
            var complete = input.Filled.LastIndexOf((byte)'\n') + 1;
            if (complete == 0)
            {
                continue;
            }

            CheckRoutes(input.Filled[..complete]);

            var done = Send(session, input.Filled[..complete]);
            input.Consume(complete);
            await done;
            await client.SendAsync(session.Replies.Written, SocketFlags.None);
            session.Replies.Reset();
        }
    }

    /// <summary>
    /// Reads the owner's replies and hands each batch its own, for as long as the link is up; a link
    /// that closes or fails ends the process, as a failed send does, rather than leave clients waiting.
    /// </summary>
    public async Task ReadRepliesAsync()
    {
        try
        {
            await HandOutRepliesAsync();
        }
        catch (Exception ex)
        {
            Environment.FailFast("the raw front's link failed", ex);
        }

        Environment.FailFast("the raw front's link closed");
    }

    private async Task HandOutRepliesAsync()
    {
        var input = new RawInput();
        while (await input.ReceiveAsync(link))
        {
            var consumed = 0;
            while (RawFrames.Complete(input.Filled[consumed..], out _) is var length and > 0)
            {
                Call call;
                ValueTask sending;
                lock (_gate)
                {
                    call = _inFlight.Peek();
                }

                call.HandOut(input.Filled.Slice(consumed + 4, length - 4));
                consumed += length;
                lock (_gate)
                {
                    _inFlight.Dequeue();
                    sending = _waiting is { } next ? SendLocked(next) : ValueTask.CompletedTask;
                    _waiting = null;
                }

                await sending;
            }

            input.Consume(consumed);
            RawFrames.Complete(input.Filled, out var more);
            input.Grow(more);
        }
    }

    /// <summary>
    /// A router's own work on each command: find its bucket and look the first byte up in the table.
    /// This baseline's table gives every bucket to its one owner, as the routed kv bench's nodes.json does.
    /// </summary>
    /// <exception cref="InvalidDataException">A command names no bucket: the client's session ends (the baseline is not a server).</exception>
    private static void CheckRoutes(ReadOnlySpan<byte> lines)
    {
        while (lines.IndexOf((byte)'\n') is var end and >= 0)
        {
            var line = lines[..end];
            var space = line.IndexOf((byte)' ');
            if (space < 0 || space + 1 >= line.Length || !s_routedToOwner[line[space + 1]])
            {
                throw new InvalidDataException("a command whose bucket this baseline's table does not give to the owner");
            }

            lines = lines[(end + 1)..];
        }
    }

    private Task Send(Session session, ReadOnlySpan<byte> lines)
    {
        var done = session.Begin();
        lock (_gate)
        {
            if (_inFlight.Count < window)
            {
                var call = new Call();
                call.Add(session, lines);
                ObserveFailure(SendLocked(call));
                return done;
            }

            (_waiting ??= new Call()).Add(session, lines);
        }

        return done;
    }

    /// <summary>Puts <paramref name="call"/> in flight: queued for its reply and written, in the same order, under the gate.</summary>
    private async ValueTask SendLocked(Call call)
    {
        // Runs to the send's start before it returns: both happen under the caller's gate.
        _inFlight.Enqueue(call);
        await link.SendAsync(call.Seal(), SocketFlags.None);
    }

    /// <summary>A link that fails ends the baseline: its numbers would mean nothing after.</summary>
    private static void ObserveFailure(ValueTask sending)
    {
        if (!sending.IsCompletedSuccessfully)
        {
            _ = Observe(sending);
        }

        static async Task Observe(ValueTask sending)
        {
            try
            {
                await sending;
            }
            catch (Exception ex)
            {
                Environment.FailFast("the raw front's link failed", ex);
            }
        }
    }

    /// <summary>A client connection's batch in flight: its replies, and the task its loop awaits.</summary>
    private sealed class Session : IDisposable
    {
        private TaskCompletionSource? _done;

        public RawOutput Replies { get; } = new();

        public Task Begin() => (_done = new TaskCompletionSource()).Task;

        /// <summary>Copies <paramref name="replies"/> and resumes the client's loop here.</summary>
        public void Complete(ReadOnlySpan<byte> replies)
        {
            Replies.Write(replies);
            _done!.SetResult();
        }

        public void Dispose() => Replies.Dispose();
    }

    /// <summary>One frame to the owner: the batches it carries, in order.</summary>
    private sealed class Call
    {
        private readonly RawOutput _frame = new(4096);
        private readonly List<Session> _sessions = [];

        public Call() => _frame.BeginLength();

        public void Add(Session session, ReadOnlySpan<byte> lines)
        {
            var at = _frame.BeginLength();
            _frame.Write(lines);
            _frame.EndLength(at);
            _sessions.Add(session);
        }

        public ReadOnlyMemory<byte> Seal()
        {
            _frame.EndLength(0);
            return _frame.Written;
        }

        /// <summary>Hands each batch its replies from <paramref name="payload"/>; the frame's memory goes back to the pool.</summary>
        public void HandOut(ReadOnlySpan<byte> payload)
        {
            foreach (var session in _sessions)
            {
                session.Complete(RawFrames.NextRecord(ref payload));
            }

            _frame.Dispose();
        }
    }
}

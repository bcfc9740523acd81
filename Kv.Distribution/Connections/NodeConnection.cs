using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.IO.Pipelines;
using System.Net.Sockets;
using Kv.Distribution.Control;
using Kv.Distribution.Nodes;
using Kv.Distribution.Rpc;
using Kv.Distribution.Support;
using Kv.Distribution.Terms;
using Kv.Distribution.Wire;
using Microsoft.Extensions.Logging;

namespace Kv.Distribution.Connections;

/// <summary>
/// One link to a peer node, after the handshake: a read loop that cuts frames and hands each to the
/// link's <see cref="IControlHandler"/> (<see cref="ControlReader"/> decodes them), a
/// <see cref="FrameOutbox"/> that batches frames into socket writes, and the table of requests
/// awaiting their replies. It knows nothing of what the messages mean. The link dies once: the
/// first reason to close it wins, pending requests fail at once with
/// <see cref="RpcFailure.NoConnection"/>, and the <see cref="ConnectionManager"/> hears of it exactly once.
/// </summary>
internal sealed class NodeConnection : IDisposable
{
    private static readonly StreamPipeReaderOptions s_readerOptions = new(bufferSize: 64 * 1024, minimumReadSize: 4096, leaveOpen: true);

    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly FrameOutbox _outbox;
    private readonly ConcurrentDictionary<ulong, PendingRequest> _pendingCalls = new();
    private readonly NodeOptions _options;
    private readonly TermCodec _terms;
    private readonly DistributionMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ConnectionManager _manager;
    private long _nextCallId;
    private readonly long _upSince = Environment.TickCount64;
    private long _lastRead = Environment.TickCount64;
    private int _closing;
    private string? _closeReason;

    public NodeConnection(
        Socket socket,
        Stream stream,
        HandshakeResult peer,
        bool outbound,
        FrameOutbox outbox,
        NodeOptions options,
        TermCodec terms,
        DistributionMetrics metrics,
        ILogger logger,
        ConnectionManager manager)
    {
        _socket = socket;
        _stream = stream;
        Peer = peer.Peer;
        PeerCreation = peer.Creation;
        PeerHidden = peer.Hidden;
        Outbound = outbound;
        _outbox = outbox;
        _options = options;
        _terms = terms;
        _metrics = metrics;
        _logger = logger;
        _manager = manager;
    }

    public NodeName Peer { get; }

    public uint PeerCreation { get; }

    public bool PeerHidden { get; }

    public bool Outbound { get; }

    /// <summary>How long the link has been up: it is made once its handshake has ended.</summary>
    public TimeSpan Age => TimeSpan.FromMilliseconds(Environment.TickCount64 - _upSince);

    public bool IsClosed => Volatile.Read(ref _closing) != 0;

    /// <summary>Whether the link was closed because the peer went silent past the tick time (frozen, or cut off).</summary>
    public bool WentSilent { get; private set; }

    /// <summary>Starts writing the frames queued so far, and the read loop, which hands every frame to <paramref name="handler"/>.</summary>
    public void Start(IControlHandler handler)
    {
        _outbox.Attach(_stream, ex => Close($"send failed: {ex.Message}"));
        _ = ReadLoopAsync(handler);
    }

    /// <summary>Queues a control message; <see langword="false"/> when the link is down.</summary>
    public bool Send<T>(in T content)
        where T : struct, IFrameContent => _outbox.Send(content);

    /// <summary>What the link's outbox holds that is not written yet.</summary>
    public FrameOutbox Outbox => _outbox;

    /// <summary>Calls <paramref name="module"/>.<paramref name="function"/> on the peer and awaits the reply until <paramref name="deadline"/> (<see cref="Deadline"/>).</summary>
    public Task<object?> CallAsync(string module, string function, object?[] args, Pid? groupLeader, long deadline, bool inlineContinuation, CancellationToken cancellationToken)
    {
        _metrics.CallSent();
        var pending = new PendingRequest(deadline, module, function, inlineContinuation);
        return RequestAsync(new RpcCallFrame(0, module, function, args, groupLeader), pending, cancellationToken);
    }

    /// <summary>
    /// Sends <paramref name="request"/> under a fresh request id and completes with the reply that
    /// carries it back (<see cref="ControlTag.RpcReply"/> or <see cref="ControlTag.SpawnReply"/>).
    /// The node's sweeper fails it at <see cref="PendingRequest.Deadline"/>.
    /// </summary>
    /// <remarks>
    /// The returned task is <paramref name="pending"/>'s own: a request on a link that is not busy
    /// costs no state machine of its own. On a busy link (back-pressure) the frame waits until the
    /// link drains, unless the request ends first.
    /// </remarks>
    /// <returns>A task that fails with <see cref="RpcException"/> (Timeout, or NoConnection when the link is or goes down), a <see cref="TermException"/> or <see cref="FrameTooLargeException"/> for a request that cannot be sent, or is cancelled by <paramref name="cancellationToken"/>.</returns>
    public Task<object?> RequestAsync<T>(T request, PendingRequest pending, CancellationToken cancellationToken)
        where T : struct, IRequestFrame<T>
    {
        var requestId = (ulong)Interlocked.Increment(ref _nextCallId);
        _pendingCalls[requestId] = pending;
        if (IsClosed)
        {
            _pendingCalls.TryRemove(requestId, out _);
            return Task.FromException<object?>(NoConnection(Volatile.Read(ref _closeReason) ?? "closing"));
        }

        // From here on the request ends at its reply, its deadline (the sweeper), the link's failure or the caller's cancellation.
        _manager.Sweeper.RequestPending(pending.Deadline);
        pending.CancelWith(this, requestId, cancellationToken);
        var writable = _outbox.WhenWritableAsync();
        if (!writable.IsCompleted)
        {
            return PostWhenWritableAsync(writable, request.WithRequestId(requestId), requestId, pending);
        }

        Post(request.WithRequestId(requestId), requestId, pending);
        return pending.Task;
    }

    /// <summary>A busy link (back-pressure): the request waits for it to drain, unless it ends first.</summary>
    private async Task<object?> PostWhenWritableAsync<T>(ValueTask writable, T request, ulong requestId, PendingRequest pending)
        where T : struct, IFrameContent
    {
        await Task.WhenAny(writable.AsTask(), pending.Task);
        if (!pending.Task.IsCompleted)
        {
            Post(request, requestId, pending);
        }

        return await pending.Task;
    }

    /// <summary>
    /// Posts a request's frame: the write goes to the pool, behind the continuations of replies that
    /// came in the same read, so that the requests they make share it (a lone caller loses nothing,
    /// measured). An inline request (<see cref="PendingRequest.IsInline"/>) is written on this thread
    /// instead, unless a write is under way or the read loop holds writes while it dispatches: its
    /// caller is a socket's loop, which has no reply continuations to wait for, and a hop to the pool
    /// would cost a thread's wake-up per request. A frame that cannot be sent fails its request.
    /// </summary>
    private void Post<T>(in T request, ulong requestId, PendingRequest pending)
        where T : struct, IFrameContent
    {
        Exception? failure;
        try
        {
            var queued = pending.IsInline ? _outbox.Send(request) : _outbox.Post(request);
            failure = queued ? null : NoConnection("closing");
        }
        catch (Exception ex) when (ex is TermException or FrameTooLargeException)
        {
            failure = ex;
        }

        if (failure is not null && _pendingCalls.TryRemove(requestId, out _))
        {
            pending.Fail(failure);
        }
    }

    /// <summary>Fails every request whose deadline has passed; called by the node's <see cref="RequestSweeper"/>.</summary>
    /// <returns>The earliest deadline of the requests left, <see cref="long.MaxValue"/> when none is.</returns>
    public long ExpireRequests(long now)
    {
        var earliest = long.MaxValue;
        foreach (var (requestId, pending) in _pendingCalls)
        {
            if (pending.Deadline > now)
            {
                earliest = Math.Min(earliest, pending.Deadline);
            }
            else if (_pendingCalls.TryRemove(requestId, out _))
            {
                _metrics.Error("rpc_timeout");
                pending.Fail(new RpcException(
                    RpcFailure.Timeout,
                    Peer.ToString(),
                    $"{pending.What} on {Peer} did not answer in time; it may or may not have run."));
            }
        }

        return earliest;
    }

    /// <summary>Sends a tick when nothing was written lately; closes the link when nothing was read for the tick time.</summary>
    public void CheckTicks(long now, long tickTimeMs)
    {
        var silent = now - Volatile.Read(ref _lastRead);
        if (silent >= tickTimeMs)
        {
            DistributionLog.TickTimeout(_logger, Peer.ToString(), silent, tickTimeMs);
            _metrics.Error("tick_timeout");
            WentSilent = true;
            Close($"nothing read for {silent} ms (tick time {tickTimeMs} ms)");
            return;
        }

        if (now - _outbox.LastWrite >= tickTimeMs / 4)
        {
            _outbox.SendTick();
        }
    }

    /// <summary>Closes the link for <paramref name="reason"/>; only the first call has an effect.</summary>
    public void Close(string reason)
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0)
        {
            return;
        }

        Volatile.Write(ref _closeReason, reason);
        _outbox.Dispose();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already reset by the peer.
        }

        _socket.Dispose();

        // The manager first (it marks a silent peer unreachable), then the waiters: a request that a
        // failed call's answer prompts must find the link gone and the peer marked.
        _manager.OnConnectionClosed(this, reason);
        foreach (var callId in _pendingCalls.Keys)
        {
            if (_pendingCalls.TryRemove(callId, out var pending))
            {
                pending.Fail(NoConnection(reason));
            }
        }
    }

    /// <summary>Takes the request <paramref name="requestId"/> out of the table, to complete it with its reply.</summary>
    /// <returns><see langword="false"/> when there is none: the caller gave up (timeout) before the reply came.</returns>
    public bool TryTakeRequest(ulong requestId, [NotNullWhen(true)] out PendingRequest? pending) =>
        _pendingCalls.TryRemove(requestId, out pending);

    /// <summary>Closes the link, as <see cref="Close"/> does.</summary>
    public void Dispose() => Close("disposed");

    private RpcException NoConnection(string reason) =>
        new(RpcFailure.NoConnection, Peer.ToString(), $"The link to {Peer} is down ({reason}); the call may or may not have run.");

    private async Task ReadLoopAsync(IControlHandler handler)
    {
        var input = PipeReader.Create(_stream, s_readerOptions);
        var reason = "closed by the peer";
        try
        {
            while (true)
            {
                var result = await input.ReadAsync();

                // Any byte is a sign of life, not only a whole frame: a large frame still on its way
                // (on a slow link, say) keeps the link up.
                Volatile.Write(ref _lastRead, Environment.TickCount64);
                BusyWait.Shared.Touch();
                var buffer = result.Buffer;
                var received = buffer.Length;
                int frames;
                _outbox.Cork();
                try
                {
                    frames = ReadFrames(ref buffer, handler);
                }
                finally
                {
                    _outbox.Uncork();
                }

                _metrics.Received(frames, received - buffer.Length);
                input.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    if (!buffer.IsEmpty)
                    {
                        reason = $"closed by the peer in the middle of a frame ({buffer.Length} bytes of it received)";
                    }

                    return;
                }
            }
        }
        catch (ProtocolViolationException ex)
        {
            reason = "protocol violation: " + ex.Message;
            _metrics.Error("protocol");
            DistributionLog.ProtocolViolation(_logger, Peer.ToString(), ex.Message);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            reason = ex.InnerException?.Message ?? ex.Message;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A fault of this node's in handling a frame: the link cannot be trusted to be in step.
            reason = $"this node failed to handle a frame: {ex.Message}";
            _metrics.Error("handler");
            DistributionLog.HandlerFailed(_logger, Peer.ToString(), ex);
        }
        finally
        {
            await input.CompleteAsync();
            Close(reason);

            // The stream last, once nothing reads it: TLS's holds native state.
            await _stream.DisposeAsync();
        }
    }

    private int ReadFrames(ref ReadOnlySequence<byte> buffer, IControlHandler handler)
    {
        var frames = 0;
        try
        {
            while (true)
            {
                // The frames wholly inside the first segment (most of them) are cut from its memory;
                // then one that spans segments is taken off the sequence, and the next segment's turn comes.
                var segment = buffer.First;
                var offset = 0;
                FrameStatus status;
                long length;
                while ((status = FrameReader.TryRead(segment.Span[offset..], _options.MaxFrameLength, out length)) == FrameStatus.Frame)
                {
                    frames++;
                    Dispatch(new ReadOnlySequence<byte>(segment.Slice(offset + FrameReader.PrefixLength, (int)length)), handler);
                    offset += FrameReader.PrefixLength + (int)length;
                }

                buffer = buffer.Slice(offset);
                if (status == FrameStatus.NeedMoreData)
                {
                    status = FrameReader.TryRead(ref buffer, _options.MaxFrameLength, out var body, out length);
                    if (status == FrameStatus.NeedMoreData)
                    {
                        return frames;
                    }

                    if (status == FrameStatus.Frame)
                    {
                        frames++;
                        Dispatch(body, handler);
                        continue;
                    }
                }

                throw new ProtocolViolationException($"a frame of {length} bytes is over the maximum of {_options.MaxFrameLength}");
            }
        }
        finally
        {
            // Whatever was read before the end of the batch (or a bad frame) is delivered.
            handler.EndOfBatch();
        }
    }

    /// <summary>Hands a frame's body to <paramref name="handler"/>; an empty body is a tick, which says only that the peer is alive.</summary>
    private void Dispatch(in ReadOnlySequence<byte> body, IControlHandler handler)
    {
        if (!body.IsEmpty)
        {
            ControlReader.Dispatch(body, _terms, handler);
        }
    }
}

using Kv.Distribution.Terms;
using MessagePack;

namespace Kv.Distribution.Wire;

/// <summary>
/// The sending half of a link: frames are serialized straight into a pending buffer, and whoever
/// finds no flush in progress becomes the flusher and writes the whole buffer with one send.
/// </summary>
/// <remarks>
/// <para>This batches without timers: while one send is on its way, every frame queued behind it
/// goes out in the next single send. With no send in progress, <see cref="Send"/> writes the frame on
/// the caller's own thread at once (a send to a socket with room completes synchronously), so a
/// lone request pays no thread hop; <see cref="Post"/> leaves that write to a thread-pool work item
/// instead, so that frames queued by the work already waiting for the pool join it in the same
/// write. Two buffers are swapped so that writers fill one while the other is sent.</para>
/// <para>A send that fails hands its exception to the link's failure callback once; later frames
/// are dropped, as the link is going down.</para>
/// <para>An outbox can exist before its stream does: while a link is being set up, frames queue in
/// order and go out with the first write once <see cref="Attach"/> gives it the stream;
/// <see cref="Abandon"/> drops them when the link cannot be set up.</para>
/// <para><b>Back-pressure</b> (Erlang's busy distribution port): past <c>busyBytes</c> queued and
/// not yet written, the outbox is busy: <see cref="WhenWritableAsync"/> waits until writes bring it
/// back under, so that senders that can wait (requests, <c>SendAsync</c>) do. Past <c>maxBytes</c>
/// it is full (<see cref="IsFull"/>): what the caller then does with a message is its policy.</para>
/// </remarks>
internal sealed class FrameOutbox : IDisposable, IThreadPoolWorkItem
{
    private readonly Lock _gate = new();
    private Stream? _stream;
    private readonly TermCodec _terms;
    private readonly int _maxFrameLength;
    private readonly DistributionMetrics _metrics;
    private FrameBuffer _pending = new();
    private FrameBuffer _sending = new();
    private bool _flushing;
    private bool _corked;
    private bool _closed;

    private readonly long _busyBytes;
    private readonly long _maxBytes;
    private Action<Exception> _onFailure = static _ => { };
    private int _detachedFrames;
    private long _queued;
    private TaskCompletionSource? _writable;
    private long _busySince;
    private long _busyMilliseconds;

    /// <summary>Creates an outbox with no stream yet: frames queue until <see cref="Attach"/>.</summary>
    /// <param name="terms">Writes the frames' terms.</param>
    /// <param name="maxFrameLength">The largest frame body.</param>
    /// <param name="busyBytes">Queued bytes past which the outbox is busy (<see cref="WhenWritableAsync"/> waits).</param>
    /// <param name="maxBytes">Queued bytes past which bulk frames are refused.</param>
    /// <param name="metrics">Counts writes, bytes and busy time.</param>
    public FrameOutbox(TermCodec terms, int maxFrameLength, long busyBytes, long maxBytes, DistributionMetrics metrics)
    {
        _terms = terms;
        _maxFrameLength = maxFrameLength;
        _busyBytes = busyBytes;
        _maxBytes = maxBytes;
        _metrics = metrics;
    }

    /// <summary>Bytes of frames queued and not yet handed to the socket.</summary>
    public long QueuedBytes => Volatile.Read(ref _queued);

    /// <summary>How long the outbox has been busy in all, the current stretch included.</summary>
    public TimeSpan BusyTime
    {
        get
        {
            lock (_gate)
            {
                var now = _writable is null ? 0 : Environment.TickCount64 - _busySince;
                return TimeSpan.FromMilliseconds(_busyMilliseconds + now);
            }
        }
    }

    /// <summary>Whether past the bound on what may be queued: messages that cannot wait are dropped.</summary>
    public bool IsFull => QueuedBytes > _maxBytes;

    /// <summary>When the last byte was handed to the socket (<see cref="Environment.TickCount64"/>).</summary>
    public long LastWrite { get; private set; } = Environment.TickCount64;

    /// <summary>Queues <paramref name="content"/> as one frame and, unless a flush is under way, flushes on this thread.</summary>
    /// <returns><see langword="false"/> when the link is closed and the frame was dropped.</returns>
    /// <exception cref="FrameTooLargeException">The frame's body is over the maximum; nothing was queued.</exception>
    /// <exception cref="TermException">A value in the message cannot cross the wire; nothing was queued.</exception>
    public bool Send<T>(in T content)
        where T : struct, IFrameContent => Enqueue(content, deferFlush: false);

    /// <summary>
    /// Queues <paramref name="content"/> as one frame and, unless a flush is under way, starts one on
    /// the thread pool: for a sender among many (requests already in flight), whose neighbours'
    /// frames will join this one in a single write.
    /// </summary>
    /// <returns><see langword="false"/> when the link is closed and the frame was dropped.</returns>
    /// <exception cref="FrameTooLargeException">The frame's body is over the maximum; nothing was queued.</exception>
    /// <exception cref="TermException">A value in the message cannot cross the wire; nothing was queued.</exception>
    public bool Post<T>(in T content)
        where T : struct, IFrameContent => Enqueue(content, deferFlush: true);

    /// <summary>Completes when the outbox is not busy (at once when it is not, or is closed).</summary>
    public ValueTask WhenWritableAsync()
    {
        if (Volatile.Read(ref _queued) <= _busyBytes)
        {
            return ValueTask.CompletedTask; // The common case, without the lock.
        }

        lock (_gate)
        {
            if (_closed || _queued <= _busyBytes)
            {
                return ValueTask.CompletedTask;
            }

            if (_writable is null)
            {
                _writable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _busySince = Environment.TickCount64;
            }

            return new ValueTask(_writable.Task);
        }
    }

    private bool Enqueue<T>(in T content, bool deferFlush)
        where T : struct, IFrameContent
    {
        lock (_gate)
        {
            if (_closed)
            {
                return false;
            }

            var start = _pending.BeginFrame();
            try
            {
                var writer = new MessagePackWriter(_pending);
                content.Write(ref writer, _terms);
                writer.Flush();
            }
            catch
            {
                _pending.Truncate(start);
                throw;
            }

            var length = _pending.EndFrame(start);
            if (length > _maxFrameLength)
            {
                _pending.Truncate(start);
                throw new FrameTooLargeException(length, _maxFrameLength);
            }

            _queued += length + 4;
            if (_stream is null)
            {
                _detachedFrames++;
                return true;
            }

            if (_flushing || _corked)
            {
                return true;
            }

            _flushing = true;
        }

        if (deferFlush)
        {
            // Behind the work already queued (replies' continuations, say), so their frames join in.
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
        else
        {
            _ = FlushAsync();
        }

        return true;
    }

    /// <summary>
    /// Gives the outbox its stream (the socket's, or TLS over it), once the link is up: the frames queued meanwhile go out first,
    /// in order. A failed write calls <paramref name="onFailure"/> once.
    /// </summary>
    public void Attach(Stream stream, Action<Exception> onFailure)
    {
        lock (_gate)
        {
            _stream = stream;
            _onFailure = onFailure;
            _detachedFrames = 0;
            if (_closed || _flushing || _corked || _pending.WrittenCount == 0)
            {
                return;
            }

            _flushing = true;
        }

        _ = FlushAsync();
    }

    /// <summary>The link could not be set up: drops the frames queued for it and refuses new ones.</summary>
    /// <returns>How many frames were dropped.</returns>
    public int Abandon()
    {
        int dropped;
        lock (_gate)
        {
            dropped = _detachedFrames;
            _detachedFrames = 0;
        }

        Dispose();
        return dropped;
    }

    /// <summary>
    /// Holds frames back until <see cref="Uncork"/>: the read loop corks while it dispatches a batch
    /// of received frames, so that the replies to all of them leave in one write.
    /// </summary>
    public void Cork()
    {
        lock (_gate)
        {
            _corked = true;
        }
    }

    /// <summary>Lets frames go again, flushing what was held back.</summary>
    public void Uncork()
    {
        lock (_gate)
        {
            _corked = false;
            if (_flushing || _closed || _stream is null || _pending.WrittenCount == 0)
            {
                return;
            }

            _flushing = true;
        }

        _ = FlushAsync();
    }

    /// <summary>Queues a tick: an empty frame that tells the peer this link is alive.</summary>
    public void SendTick()
    {
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            _pending.EndFrame(_pending.BeginFrame());
            _queued += 4;
            if (_flushing || _corked || _stream is null)
            {
                return;
            }

            _flushing = true;
        }

        _ = FlushAsync();
    }

    /// <summary>Runs a flush that <see cref="Post"/> left to the thread pool.</summary>
    void IThreadPoolWorkItem.Execute() => _ = FlushAsync();

    public void Dispose()
    {
        TaskCompletionSource? writable;
        lock (_gate)
        {
            _closed = true;
            (writable, _writable) = (_writable, null);
            if (!_flushing)
            {
                _pending.Dispose();
                _sending.Dispose();
            }
        }

        // Waiters go on, and find the link closed.
        writable?.TrySetResult();
    }

    private async Task FlushAsync()
    {
        try
        {
            while (true)
            {
                FrameBuffer batch;
                lock (_gate)
                {
                    if (_pending.WrittenCount == 0 || _closed)
                    {
                        _flushing = false;
                        return;
                    }

                    batch = _pending;
                    _pending = _sending;
                    _sending = batch;
                }

                await _stream!.WriteAsync(batch.WrittenMemory);
                LastWrite = Environment.TickCount64;
                _metrics.Sent(batch.WrittenCount);
                TaskCompletionSource? writable = null;
                lock (_gate)
                {
                    _queued -= batch.WrittenCount;
                    if (_writable is not null && _queued <= _busyBytes)
                    {
                        (writable, _writable) = (_writable, null);
                        _busyMilliseconds += LastWrite - _busySince;
                    }
                }

                batch.Reset();
                if (writable is not null)
                {
                    _metrics.LinkBusy(LastWrite - _busySince);
                    writable.TrySetResult();
                }
            }
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            lock (_gate)
            {
                _closed = true;
                _flushing = false;
            }

            _onFailure(ex);
        }
    }
}

using Kv.Distribution.Support;

namespace Kv.Distribution.Connections;

/// <summary>
/// Fails the requests of a node's links once past their deadline (<see cref="PendingRequest.Deadline"/>):
/// a thread of its own that sleeps until the earliest deadline pending, and for good while none is.
/// </summary>
/// <remarks>
/// <para>Why not a thread-pool timer: one firing every 20 ms woke a pool worker that then spun
/// before it slept again, so an idle node took 4% of a core and 7,000 context switches a second
/// (BENCHMARKS.md, session 7). This thread wakes only when a deadline is due: an idle node, or one
/// whose requests are answered in time, costs nothing, and a timeout fires at its deadline, not up
/// to a period late. Off the pool, timeouts fire even when the pool is starved.</para>
/// <para>Protocol: <see cref="RequestPending"/> is called after a request enters a link's table
/// (a full fence, then one read when its deadline is not the earliest: the usual case, since
/// deadlines come in order); the thread, once woken for a deadline, plans its next sweep by the
/// earliest deadline still pending that the sweep found. A request added while a sweep runs either
/// is found by it or finds the plan cleared and sets it: none is left without a sweep.</para>
/// </remarks>
internal sealed class RequestSweeper : IDisposable
{
    private readonly Func<long, long> _sweep;
    private readonly AutoResetEvent _wake = new(false);
    private readonly Lock _gate = new();
    private Thread? _thread;
    private long _next = long.MaxValue;
    private volatile bool _disposed;
    private bool _wakeClosed;

    /// <param name="sweep">Fails every request due at the time it is given (<see cref="Deadline.Now"/>) and answers the earliest deadline of those left, <see cref="long.MaxValue"/> when none is.</param>
    public RequestSweeper(Func<long, long> sweep) => _sweep = sweep;

    /// <summary>When it plans to sweep next (a <see cref="Deadline"/>), <see cref="long.MaxValue"/> when it sleeps for good: for tests.</summary>
    internal long NextSweep => Interlocked.Read(ref _next);

    /// <summary>A request due at <paramref name="deadline"/> has entered a link's table: it is swept at its deadline.</summary>
    public void RequestPending(long deadline)
    {
        // The full fence of Interlocked.Read orders the table's write before this read (see remarks).
        if (deadline >= Interlocked.Read(ref _next))
        {
            return;
        }

        LowerNext(deadline);
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            if (_thread is null)
            {
                _thread = new Thread(Run) { IsBackground = true, Name = "kv request sweeper" };
                _thread.UnsafeStart();
            }

            _wake.Set();
        }
    }

    /// <summary>Stops the thread; requests still pending are failed by their links' closing.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            if (_thread is null)
            {
                CloseWake();
            }
            else if (!_wakeClosed)
            {
                _wake.Set();
            }
        }
    }

    private void Run()
    {
        try
        {
            while (!_disposed)
            {
                var now = Deadline.Now;
                var next = Interlocked.Read(ref _next);
                if (next > now)
                {
                    _wake.WaitOne(Deadline.MillisecondsUntil(next));
                    continue;
                }

                // Cleared before the sweep: a request added from here on either is seen by the sweep
                // or, finding the plan cleared, lowers it itself.
                Interlocked.Exchange(ref _next, long.MaxValue);
                LowerNext(_sweep(now));
            }
        }
        finally
        {
            lock (_gate)
            {
                CloseWake();
            }
        }
    }

    private void CloseWake()
    {
        if (!_wakeClosed)
        {
            _wakeClosed = true;
            _wake.Dispose();
        }
    }

    private void LowerNext(long deadline)
    {
        var current = Interlocked.Read(ref _next);
        while (deadline < current)
        {
            var seen = Interlocked.CompareExchange(ref _next, deadline, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}

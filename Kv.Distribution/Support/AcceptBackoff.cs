using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Kv.Distribution.Support;

/// <summary>
/// What an accept loop does so that it never spins and never takes the process's last file
/// descriptors: when accepting fails it waits before trying again, <see cref="FirstDelay"/> at
/// first and twice as long after each failure up to <see cref="MaxDelay"/>, back to
/// <see cref="FirstDelay"/> once a connection is accepted; and a connection accepted into one of
/// the last <see cref="Headroom"/> descriptors is to be closed at once (<see cref="TryAdmit(Socket)"/>).
/// Both are logged at most once per report interval, in one line without a stack trace, with how
/// many there were since the last line.
/// </summary>
/// <remarks>
/// <para>The failures this is for last until something else changes: the process is out of file
/// descriptors (<c>EMFILE</c>; the system, <c>ENFILE</c>) or the kernel out of buffers or memory
/// (<c>ENOBUFS</c>, <c>ENOMEM</c>). The connection stays in the listen backlog and the listener
/// stays readable, so a loop that tries again at once fails again at once, as fast as the CPU
/// allows. Any other failure waits as well, since a loop cannot know it will not repeat; only a
/// connection that its peer reset or aborted before it was accepted (<c>ECONNRESET</c>,
/// <c>ECONNABORTED</c>) is the peer's doing: the loop goes on at once, and it is logged at Debug.</para>
/// <para>The headroom is for the runtime: on Linux, .NET needs descriptors to start a thread (a
/// pipe, for a moment), and a process that has none aborts with "Out of memory." as soon as the
/// thread pool starts one. Linux gives a new descriptor the lowest number free, so an accepted
/// socket numbered within <see cref="Headroom"/> of the limit means that the process is that close
/// to it: the connection is closed, and the loops' connections never hold the last descriptors.
/// The limit is read from <c>/proc/self/limits</c> (Linux only), again at most once a second.</para>
/// <para>One instance serves one loop: its methods are not to be called concurrently. Logged under
/// the caller's logger, with event ids 260 (failures, Warning), 261 (peer resets, Debug) and 262
/// (connections closed for the headroom, Warning).</para>
/// </remarks>
public sealed partial class AcceptBackoff
{
    /// <summary>The wait after a first failure.</summary>
    public static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(10);

    /// <summary>The longest wait between two tries.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(1);

    /// <summary>How often failures are logged, at most, unless the constructor is given another interval.</summary>
    public static readonly TimeSpan DefaultReportInterval = TimeSpan.FromSeconds(5);

    /// <summary>File descriptors below the limit that accepted connections never hold: enough for the runtime to start threads.</summary>
    public const int Headroom = 64;

    private static readonly TimeSpan s_limitRefreshInterval = TimeSpan.FromSeconds(1);

    private readonly string _listener;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Func<long?> _readLimit;
    private readonly LogThrottle _failureReports;
    private readonly LogThrottle _shedReports;
    private readonly long _limitRefreshTicks;
    private long? _limit;
    private long _nextLimitRead;

    /// <summary>
    /// The back-off of the loop accepting on <paramref name="listener"/> (named in its log lines,
    /// e.g. <c>"the text server 0.0.0.0:4040"</c>), logging to <paramref name="logger"/> at most
    /// once per <paramref name="reportInterval"/>; waits and intervals are timed by
    /// <paramref name="timeProvider"/>, and the descriptor limit read by <paramref name="readLimit"/>
    /// (<see cref="FileDescriptors.Limit"/> by default; null: unknown, nothing is closed for it).
    /// </summary>
    public AcceptBackoff(string listener, ILogger logger, TimeSpan? reportInterval = null, TimeProvider? timeProvider = null, Func<long?>? readLimit = null)
    {
        ArgumentNullException.ThrowIfNull(listener);
        ArgumentNullException.ThrowIfNull(logger);
        _listener = listener;
        _logger = logger;
        _time = timeProvider ?? TimeProvider.System;
        _readLimit = readLimit ?? FileDescriptors.Limit;
        _failureReports = new LogThrottle(reportInterval ?? DefaultReportInterval, _time);
        _shedReports = new LogThrottle(reportInterval ?? DefaultReportInterval, _time);
        _limitRefreshTicks = (long)(s_limitRefreshInterval.TotalSeconds * _time.TimestampFrequency);
        _limit = _readLimit();
        _nextLimitRead = _time.GetTimestamp() + _limitRefreshTicks;
    }

    /// <summary>How long the next failure will wait.</summary>
    public TimeSpan NextDelay { get; private set; } = FirstDelay;

    /// <summary>
    /// The next connection on <paramref name="listener"/> that may be served: a failed accept is
    /// waited out (<see cref="WaitAfterAsync"/>), and a connection that cannot be admitted
    /// (<see cref="TryAdmit(Socket)"/>) is handed to <paramref name="refuse"/> (closed when none is
    /// given); the accept loop of every listener is then <c>while (await backoff.AcceptAsync(...) is { } socket)</c>.
    /// </summary>
    /// <returns><see langword="null"/> once <paramref name="stopping"/> is cancelled or the listener is closed.</returns>
    public async Task<Socket?> AcceptAsync(Socket listener, CancellationToken stopping, Action<Socket>? refuse = null)
    {
        ArgumentNullException.ThrowIfNull(listener);
        while (!stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(stopping);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException
                || (ex is SocketException && stopping.IsCancellationRequested))
            {
                // Stopped, or the listener was closed before the accept saw the cancellation.
                return null;
            }
            catch (SocketException ex)
            {
                // Out of file descriptors or buffers (or a client that reset first): wait, then go on.
                if (!await WaitAfterAsync(ex, stopping))
                {
                    return null;
                }

                continue;
            }

            if (TryAdmit(socket))
            {
                return socket;
            }

            // Into one of the process's last file descriptors (logged here): refused.
            if (refuse is null)
            {
                socket.Dispose();
            }
            else
            {
                refuse(socket);
            }
        }

        return null;
    }

    /// <summary>
    /// <paramref name="accepted"/> was accepted: the next failure waits <see cref="FirstDelay"/>
    /// again. Returns whether to serve it; <see langword="false"/> when it holds one of the last
    /// <see cref="Headroom"/> descriptors, and the caller is to close it at once (having told the
    /// peer why, if its protocol can).
    /// </summary>
    public bool TryAdmit(Socket accepted)
    {
        ArgumentNullException.ThrowIfNull(accepted);
        return TryAdmit(accepted.Handle);
    }

    /// <summary>
    /// Counts a failed accept, logs it when a report is due, and returns how long to wait before
    /// the next: <see cref="TimeSpan.Zero"/> for a connection its peer reset; else
    /// <see cref="NextDelay"/>, which doubles (up to <see cref="MaxDelay"/>) for the failure after.
    /// </summary>
    public TimeSpan Failed(SocketException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (IsPeerReset(error))
        {
            PeerReset(_logger, _listener, error.Message);
            return TimeSpan.Zero;
        }

        var delay = NextDelay;
        NextDelay = delay * 2 < MaxDelay ? delay * 2 : MaxDelay;
        if (_failureReports.TryPass(out var held))
        {
            AcceptFailing(_logger, _listener, error.Message, error.SocketErrorCode, held + 1, (long)delay.TotalMilliseconds);
        }

        return delay;
    }

    /// <summary>
    /// <see cref="Failed"/>, then waits as long as it says, not less: the runtime's timers run on a
    /// coarse clock and may end a few milliseconds early, and then it waits the rest. Returns
    /// <see langword="false"/>, at once, when <paramref name="cancellationToken"/> is canceled: the
    /// loop is to end.
    /// </summary>
    public async Task<bool> WaitAfterAsync(SocketException error, CancellationToken cancellationToken)
    {
        var delay = Failed(error);
        if (delay > TimeSpan.Zero)
        {
            var started = _time.GetTimestamp();
            try
            {
                for (var left = delay; left > TimeSpan.Zero; left = delay - _time.GetElapsedTime(started))
                {
                    await Task.Delay(left, _time, cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return false;
            }
        }

        return !cancellationToken.IsCancellationRequested;
    }

    /// <summary>Whether <paramref name="error"/> is a connection its peer gave up before it was accepted, not a failure of the listener.</summary>
    public static bool IsPeerReset(SocketException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted;
    }

    /// <summary><see cref="TryAdmit(Socket)"/> for the socket numbered <paramref name="descriptor"/>.</summary>
    internal bool TryAdmit(nint descriptor)
    {
        NextDelay = FirstDelay;
        var now = _time.GetTimestamp();
        if (now >= _nextLimitRead)
        {
            _nextLimitRead = now + _limitRefreshTicks;
            _limit = _readLimit();
        }

        if (_limit is not { } limit || descriptor < limit - Headroom)
        {
            return true;
        }

        if (_shedReports.TryPass(out var held))
        {
            ClosedForHeadroom(_logger, _listener, held + 1, limit, Headroom);
        }

        return false;
    }

    [LoggerMessage(260, LogLevel.Warning, "Accepting connections on {Listener} failed: {Reason} ({SocketError}). Failures since the last report: {Failures}; next try in {DelayMs} ms")]
    private static partial void AcceptFailing(ILogger logger, string listener, string reason, SocketError socketError, int failures, long delayMs);

    [LoggerMessage(261, LogLevel.Debug, "A connection to {Listener} was given up by its peer before it was accepted: {Reason}")]
    private static partial void PeerReset(ILogger logger, string listener, string reason);

    [LoggerMessage(262, LogLevel.Warning, "Out of file descriptors, {Listener} closes new connections at once: this process may open {Limit}, and the last {Headroom} are kept for the runtime. Closed since the last report: {Closed}")]
    private static partial void ClosedForHeadroom(ILogger logger, string listener, int closed, long limit, int headroom);
}

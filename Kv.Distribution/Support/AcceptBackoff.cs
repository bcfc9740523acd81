using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Kv.Distribution.Support;

/// <summary>
/// What an accept loop does when accepting fails, so that it never spins: it waits before trying
/// again, <see cref="FirstDelay"/> at first and twice as long after each failure up to
/// <see cref="MaxDelay"/>, back to <see cref="FirstDelay"/> once a connection is accepted; and it
/// logs the failures at most once per report interval, in one line without a stack trace, with
/// how many there were since the last line.
/// </summary>
/// <remarks>
/// <para>The failures this is for last until something else changes: the process is out of file
/// descriptors (<c>EMFILE</c>; the system, <c>ENFILE</c>) or the kernel out of buffers or memory
/// (<c>ENOBUFS</c>, <c>ENOMEM</c>). The connection stays in the listen backlog and the listener
/// stays readable, so a loop that tries again at once fails again at once, as fast as the CPU
/// allows. Any other failure waits as well, since a loop cannot know it will not repeat; only a
/// connection that its peer reset or aborted before it was accepted (<c>ECONNRESET</c>,
/// <c>ECONNABORTED</c>) is the peer's doing: the loop goes on at once, and it is logged at Debug.</para>
/// <para>One instance serves one loop: <see cref="Failed"/>, <see cref="WaitAfterAsync"/> and
/// <see cref="Accepted"/> are not to be called concurrently. Logged under the caller's logger,
/// with event ids 260 (failures, Warning) and 261 (peer resets, Debug).</para>
/// </remarks>
public sealed partial class AcceptBackoff
{
    /// <summary>The wait after a first failure.</summary>
    public static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(10);

    /// <summary>The longest wait between two tries.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(1);

    /// <summary>How often failures are logged, at most, unless the constructor is given another interval.</summary>
    public static readonly TimeSpan DefaultReportInterval = TimeSpan.FromSeconds(5);

    private readonly string _listener;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly LogThrottle _reports;

    /// <summary>
    /// The back-off of the loop accepting on <paramref name="listener"/> (named in its log lines,
    /// e.g. <c>"the text server on 0.0.0.0:4040"</c>), logging to <paramref name="logger"/> at most
    /// once per <paramref name="reportInterval"/>; waits and intervals are timed by <paramref name="timeProvider"/>.
    /// </summary>
    public AcceptBackoff(string listener, ILogger logger, TimeSpan? reportInterval = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(listener);
        ArgumentNullException.ThrowIfNull(logger);
        _listener = listener;
        _logger = logger;
        _time = timeProvider ?? TimeProvider.System;
        _reports = new LogThrottle(reportInterval ?? DefaultReportInterval, _time);
    }

    /// <summary>How long the next failure will wait.</summary>
    public TimeSpan NextDelay { get; private set; } = FirstDelay;

    /// <summary>A connection was accepted: the next failure waits <see cref="FirstDelay"/> again.</summary>
    public void Accepted() => NextDelay = FirstDelay;

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
        if (_reports.TryPass(out var held))
        {
            AcceptFailing(_logger, _listener, error.Message, error.SocketErrorCode, held + 1, (long)delay.TotalMilliseconds);
        }

        return delay;
    }

    /// <summary>
    /// <see cref="Failed"/>, then waits as long as it says. Returns <see langword="false"/>, at once,
    /// when <paramref name="cancellationToken"/> is canceled: the loop is to end.
    /// </summary>
    public async Task<bool> WaitAfterAsync(SocketException error, CancellationToken cancellationToken)
    {
        var delay = Failed(error);
        if (delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(delay, _time, cancellationToken);
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

    [LoggerMessage(260, LogLevel.Warning, "Accepting connections on {Listener} failed: {Reason} ({SocketError}). Failures since the last report: {Failures}; next try in {DelayMs} ms")]
    private static partial void AcceptFailing(ILogger logger, string listener, string reason, SocketError socketError, int failures, long delayMs);

    [LoggerMessage(261, LogLevel.Debug, "A connection to {Listener} was given up by its peer before it was accepted: {Reason}")]
    private static partial void PeerReset(ILogger logger, string listener, string reason);
}

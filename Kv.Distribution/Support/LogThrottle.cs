namespace Kv.Distribution.Support;

/// <summary>
/// Lets a log message that others can make this process repeat (a refused peer, a failing accept)
/// through at most once per interval, and counts the occurrences it holds back in between, so that
/// the next message let through can say how many there were.
/// </summary>
/// <remarks>
/// The first occurrence always goes through, then the first one after each interval. Held-back
/// occurrences are the caller's to log at <c>Debug</c>, or not at all. Thread-safe and
/// allocation-free: one timestamp read and one or two interlocked operations per occurrence.
/// </remarks>
public sealed class LogThrottle
{
    private readonly TimeProvider _time;
    private readonly long _intervalTicks;
    private long _nextPass = long.MinValue;
    private int _held;

    /// <summary>A throttle letting one occurrence through per <paramref name="interval"/>, timed by <paramref name="timeProvider"/> (the system clock by default).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="interval"/> is not positive.</exception>
    public LogThrottle(TimeSpan interval, TimeProvider? timeProvider = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        _time = timeProvider ?? TimeProvider.System;
        _intervalTicks = (long)(interval.TotalSeconds * _time.TimestampFrequency);
        Interval = interval;
    }

    /// <summary>How often an occurrence goes through, at most.</summary>
    public TimeSpan Interval { get; }

    /// <summary>
    /// Whether this occurrence is to be logged in full. When it is, <paramref name="held"/> is how
    /// many were held back since the last one that was; when it is not, it is counted among them
    /// and <paramref name="held"/> is 0.
    /// </summary>
    public bool TryPass(out int held)
    {
        var now = _time.GetTimestamp();
        var next = Volatile.Read(ref _nextPass);
        if (now >= next && Interlocked.CompareExchange(ref _nextPass, now + _intervalTicks, next) == next)
        {
            held = Interlocked.Exchange(ref _held, 0);
            return true;
        }

        Interlocked.Increment(ref _held);
        held = 0;
        return false;
    }
}

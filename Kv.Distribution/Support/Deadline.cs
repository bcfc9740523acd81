using System.Diagnostics;

namespace Kv.Distribution.Support;

/// <summary>
/// The clock of request deadlines: <see cref="Stopwatch"/> timestamps, the monotonic clock to the
/// microsecond. Not <see cref="Environment.TickCount64"/>: on Linux it reads a coarse clock that
/// moves in steps of 1/HZ (4 ms here) and, on a tickless kernel, lags by more, so a deadline taken
/// from it ended requests up to a few milliseconds before their timeout.
/// </summary>
public static class Deadline
{
    /// <summary>Now, as a deadline is kept.</summary>
    public static long Now => Stopwatch.GetTimestamp();

    /// <summary>The deadline <paramref name="timeout"/> from now (already past for a negative one; <see cref="long.MaxValue"/> past any representable time).</summary>
    public static long After(TimeSpan timeout)
    {
        var ticks = timeout.TotalSeconds * Stopwatch.Frequency;
        var now = Now;
        return ticks >= long.MaxValue - now ? long.MaxValue : now + (long)ticks;
    }

    /// <summary>The time left until <paramref name="deadline"/>, none when it has passed.</summary>
    public static TimeSpan Left(long deadline) =>
        deadline == long.MaxValue ? Timeout.InfiniteTimeSpan : Stopwatch.GetElapsedTime(Math.Min(Now, deadline), deadline);

    /// <summary>
    /// Waits for <paramref name="task"/> as <see cref="Task{TResult}.WaitAsync(TimeSpan, CancellationToken)"/>
    /// does, but never gives up before <paramref name="timeout"/> has passed: .NET's timers run on
    /// the coarse clock and may fire a few milliseconds early, and then it waits the rest.
    /// </summary>
    /// <exception cref="TimeoutException"><paramref name="timeout"/> passed first.</exception>
    public static async Task<T> WaitAsync<T>(Task<T> task, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            return await task.WaitAsync(cancellationToken);
        }

        var deadline = After(timeout);
        while (true)
        {
            try
            {
                return await task.WaitAsync(Left(deadline), cancellationToken);
            }
            catch (TimeoutException) when (Left(deadline) > TimeSpan.Zero)
            {
                // The timer fired before the deadline: wait the rest.
            }
        }
    }

    /// <summary>Milliseconds to wait for <paramref name="deadline"/> to pass, rounded up so as not to wake before it; <see cref="Timeout.Infinite"/> for <see cref="long.MaxValue"/>.</summary>
    public static int MillisecondsUntil(long deadline)
    {
        if (deadline == long.MaxValue)
        {
            return Timeout.Infinite;
        }

        var milliseconds = Math.Ceiling(Math.Max(deadline - Now, 0) * 1000.0 / Stopwatch.Frequency);
        return (int)Math.Min(milliseconds, int.MaxValue);
    }
}

using System.Diagnostics;

namespace Kv.Tests.Support;

/// <summary>
/// Waits for a condition that another party makes true in its own time (a peer noticing a closed
/// socket, a takeover), by asking again every few milliseconds until a deadline.
/// </summary>
internal static class Eventually
{
    private static readonly TimeSpan s_interval = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan s_defaultDeadline = TimeSpan.FromSeconds(5);

    /// <summary>Returns how long it took <paramref name="condition"/> to hold; fails the test at the deadline. <paramref name="interval"/> spaces out a costly condition.</summary>
    public static async Task<TimeSpan> TrueAsync(Func<Task<bool>> condition, TimeSpan deadline, string what, TimeSpan? interval = null)
    {
        var started = Stopwatch.GetTimestamp();
        while (!await condition())
        {
            if (Stopwatch.GetElapsedTime(started) > deadline)
            {
                Assert.Fail($"Not true within {deadline}: {what}");
            }

            await Task.Delay(interval ?? s_interval, TestContext.Current.CancellationToken);
        }

        return Stopwatch.GetElapsedTime(started);
    }

    /// <summary>The same for a condition that is cheap to check synchronously.</summary>
    public static Task<TimeSpan> TrueAsync(Func<bool> condition, string what, TimeSpan? deadline = null) =>
        TrueAsync(() => Task.FromResult(condition()), deadline ?? s_defaultDeadline, what);
}

using System.Diagnostics;
using System.Globalization;
using Kv.Distribution.Support;

namespace Kv.Tests.Distribution;

/// <summary>
/// The busy wait that keeps a CPU awake between requests: it spins for its window after a touch,
/// then sleeps without using the CPU until the next touch, at the lowest priority.
/// </summary>
public sealed class BusyWaitTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_touch_spins_it_for_its_window_then_it_sleeps_using_no_CPU_until_the_next()
    {
        var busyWait = new BusyWait { Window = TimeSpan.FromMilliseconds(20) };
        busyWait.Touch();
        await WaitUntilAsync(() => busyWait.IsSpinning, "spinning after a touch");
        await WaitUntilAsync(() => !busyWait.IsSpinning, "asleep once its window passed");

        var tid = busyWait.ThreadId;
        var before = CpuTicks(tid);
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromMilliseconds(300))
        {
            await Task.Delay(50, TestContext.Current.CancellationToken); // the interval measured, not a wait for a condition
        }

        Assert.False(busyWait.IsSpinning);
        Assert.True(CpuTicks(tid) - before <= 1, $"its thread used {CpuTicks(tid) - before} clock ticks of CPU while asleep");

        busyWait.Touch();
        await WaitUntilAsync(() => busyWait.IsSpinning, "spinning again after the next touch");
    }

    [Fact]
    public async Task Its_thread_runs_at_the_lowest_priority()
    {
        var busyWait = new BusyWait { Window = TimeSpan.FromMilliseconds(5) };
        busyWait.Touch();
        await WaitUntilAsync(() => busyWait.ThreadId != 0 && Nice(busyWait.ThreadId) == 19, "its thread at nice 19");
    }

    [Fact]
    public async Task It_rests_while_other_threads_keep_every_CPU_busy()
    {
        var busyWait = new BusyWait { Window = TimeSpan.FromMilliseconds(50) };
        using var stop = new CancellationTokenSource(Deadline);
        var hogs = Enumerable.Range(0, Environment.ProcessorCount)
            .Select(_ => new Thread(() => { while (!stop.IsCancellationRequested) { busyWait.Touch(); } }) { IsBackground = true })
            .ToList();
        hogs.ForEach(hog => hog.Start());
        try
        {
            await WaitUntilAsync(() => busyWait.Rests > 0, "resting while every CPU is busy");
        }
        finally
        {
            await stop.CancelAsync();
            hogs.ForEach(hog => hog.Join());
        }
    }

    [Fact]
    public void A_window_of_zero_starts_no_thread()
    {
        var busyWait = new BusyWait { Window = TimeSpan.Zero };
        busyWait.Touch();
        Assert.False(busyWait.IsSpinning);
    }

    [Fact]
    public void A_window_past_a_second_is_refused()
    {
        var busyWait = new BusyWait();
        Assert.Throws<ArgumentOutOfRangeException>(() => busyWait.Window = TimeSpan.FromSeconds(2));
        Assert.Equal(BusyWait.DefaultWindow, busyWait.Window);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.Elapsed < Deadline, $"not {what} within {Deadline.TotalSeconds} s");
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>A thread's user and system CPU time, in clock ticks (fields 14 and 15 of its stat).</summary>
    private static long CpuTicks(int tid)
    {
        var fields = StatFields(tid);
        return long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
    }

    /// <summary>A thread's nice value (field 19 of its stat).</summary>
    private static int Nice(int tid) => int.Parse(StatFields(tid)[18], CultureInfo.InvariantCulture);

    private static string[] StatFields(int tid)
    {
        var stat = File.ReadAllText($"/proc/self/task/{tid}/stat");
        // The second field, the command, is in parentheses and may hold spaces: split after it.
        var afterName = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return [.. new[] { stat[..stat.IndexOf(' ', StringComparison.Ordinal)], "comm" }, .. afterName];
    }
}

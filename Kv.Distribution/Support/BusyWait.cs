using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Kv.Distribution.Support;

/// <summary>
/// Keeps a CPU awake for a short while after the process last had network work, so that the next
/// request does not wait for an idle CPU to wake up: what the BEAM's schedulers do when they
/// busy-wait before sleeping (<c>+sbwt</c>), and what .NET's thread-pool workers do when they spin
/// before they block.
/// </summary>
/// <remarks>
/// <para>Why: on a virtual machine an idle CPU halts, and waking it for the next packet costs tens
/// of microseconds. With socket completions inline (the node's default) nothing else keeps a CPU
/// busy between two requests, and one client's round trip on this project's 2-core VM took 85-90 µs
/// at the median against 20 µs with a CPU kept busy (BENCHMARKS.md, "Busy wait"). Linux's
/// <c>SCHED_IDLE</c> policy, weaker still, kept less of that gain (42 µs): the scheduler counts a
/// CPU running only such a thread as idle, and places woken threads as if it were.</para>
/// <para>How: one background thread at the lowest priority (nice 19), so that any other thread or
/// process that wants its CPU gets all but about 1.5% of it, which yields the CPU at every turn of
/// its loop, so that such a thread runs at once (and uses no <c>PAUSE</c>, which a hypervisor may
/// take for a spinning lock and deschedule). After <see cref="Touch"/> it spins until
/// <see cref="Window"/> passes with no further touch, then sleeps until the next one. A process
/// that is idle costs nothing; one that is touched once in a while spins <see cref="Window"/> each
/// time. One whose CPUs are busy with other work does not need it, and there it would cost: the
/// scheduler places woken threads away from a CPU that runs it. So every 200 µs of spinning it
/// checks how much of that time it got; under a quarter, it rests 5 ms, deaf to touches, and looks
/// again (routed text commands, 64 clients: 34-40k/s spinning regardless, 43-52k/s with the rest,
/// 38-48k/s without a busy wait).</para>
/// <para>One per process (<see cref="Shared"/>): it keeps the machine's CPUs awake, whichever node
/// or server in the process touched it. <see cref="Touch"/> is a plain write and a read, safe from
/// any thread; a wake-up it misses (a race with the spinner going to sleep) only leaves that one
/// request as slow as without it, and the next touch wakes the spinner.</para>
/// </remarks>
public sealed partial class BusyWait
{
    /// <summary>How long the spinner waits for more work before it sleeps, unless set: 1 ms.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromMilliseconds(1);

    /// <summary>How long it sleeps once it found its CPU busy with other work.</summary>
    private static readonly TimeSpan RestTime = TimeSpan.FromMilliseconds(5);

    /// <summary>How often, while it spins, it checks whether it got its CPU (200 µs).</summary>
    private static readonly long s_stretchTicks = Stopwatch.Frequency / 5000;

    private readonly object _gate = new();
    private Thread? _spinner;
    private long _windowTicks;
    private int _work;
    private int _sleeping;
    private bool _woken;
    private int _rests;

    /// <summary>The operating system's id of its thread once it runs, else 0 (for tests).</summary>
    internal int ThreadId { get; private set; }

    /// <summary>How many times it found its CPU busy with other work and rested (for tests).</summary>
    internal int Rests => Volatile.Read(ref _rests);

    /// <summary>Whether its thread is spinning now (for tests).</summary>
    internal bool IsSpinning => _spinner is not null && Volatile.Read(ref _sleeping) == 0;

    /// <summary>A busy wait of <see cref="DefaultWindow"/>; its thread starts at the first <see cref="Touch"/>. One per process (<see cref="Shared"/>), more in tests.</summary>
    internal BusyWait() => Window = DefaultWindow;

    /// <summary>The process's busy wait, which the node's links and the text server touch.</summary>
    public static BusyWait Shared { get; } = new();

    /// <summary>How long the CPU is kept awake after the last <see cref="Touch"/>; <see cref="TimeSpan.Zero"/> turns it off.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative, or over a second.</exception>
    public TimeSpan Window
    {
        get => Stopwatch.GetElapsedTime(0, Volatile.Read(ref _windowTicks));
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, TimeSpan.FromSeconds(1));
            Volatile.Write(ref _windowTicks, (long)(value.TotalSeconds * Stopwatch.Frequency));
        }
    }

    /// <summary>Says the process just had work (a read completed): keep a CPU awake for <see cref="Window"/>.</summary>
    public void Touch()
    {
        if (Volatile.Read(ref _windowTicks) == 0)
        {
            return;
        }

        _work++;
        if (Volatile.Read(ref _sleeping) != 0 && Interlocked.Exchange(ref _sleeping, 0) != 0)
        {
            lock (_gate)
            {
                _woken = true;
                Monitor.Pulse(_gate);
            }
        }
        else if (_spinner is null)
        {
            Start();
        }
    }

    private void Start()
    {
        lock (_gate)
        {
            if (_spinner is not null)
            {
                return;
            }

            _spinner = new Thread(Spin) { IsBackground = true, Name = "kv busy wait" };
            _spinner.UnsafeStart();
        }
    }

    private void Spin()
    {
        if (OperatingSystem.IsLinux())
        {
            ThreadId = GetThreadId();
        }

        LowerToIdlePriority();
        while (true)
        {
            var window = Volatile.Read(ref _windowTicks);
            var seen = Volatile.Read(ref _work);
            var now = Stopwatch.GetTimestamp();
            var until = now + window;
            var stretch = (Start: now, Cpu: ThreadCpuTime());
            while (now < until)
            {
                // sched_yield: a thread woken on this CPU runs at once, not when the scheduler next
                // preempts this one (without it, rpc's p99 rose from 70 µs to 100-500 µs).
                Thread.Yield();
                now = Stopwatch.GetTimestamp();
                if (Volatile.Read(ref _work) != seen)
                {
                    seen = Volatile.Read(ref _work);
                    until = now + window;
                }

                if (now - stretch.Start >= s_stretchTicks)
                {
                    var cpu = ThreadCpuTime();
                    if (cpu - stretch.Cpu < Stopwatch.GetElapsedTime(stretch.Start, now) / 4)
                    {
                        // Other threads had the CPU most of the stretch: it is busy, and keeping it
                        // awake only takes it from them (the scheduler places woken threads away
                        // from a CPU that runs this one). Rest, deaf to touches, then look again.
                        Rest();
                        break;
                    }

                    stretch = (now, cpu);
                }
            }

            if (now < until)
            {
                continue; // rested
            }

            Interlocked.Exchange(ref _sleeping, 1);
            if (Volatile.Read(ref _work) != seen)
            {
                // Touched as it was going to sleep: spin on (a touch that took the flag meanwhile
                // set _woken, and the wait below returns at once).
                if (Interlocked.Exchange(ref _sleeping, 0) != 0)
                {
                    continue;
                }
            }

            lock (_gate)
            {
                while (!_woken)
                {
                    Monitor.Wait(_gate);
                }

                _woken = false;
            }
        }
    }

    /// <summary>Sleeps <see cref="RestTime"/>, whatever touches come meanwhile.</summary>
    private void Rest()
    {
        Volatile.Write(ref _rests, _rests + 1);
        lock (_gate)
        {
            Monitor.Wait(_gate, RestTime);
        }
    }

    /// <summary>The calling thread's CPU time (<c>CLOCK_THREAD_CPUTIME_ID</c>); <see langword="null"/> where there is none, and the CPU never looks busy.</summary>
    private static TimeSpan? ThreadCpuTime() =>
        OperatingSystem.IsLinux() && ClockGetTime(ClockThreadCpuTime, out var time) == 0
            ? TimeSpan.FromSeconds(time.Seconds) + TimeSpan.FromTicks(time.Nanoseconds / 100)
            : null;

    /// <summary>Runs the calling thread at nice 19 on Linux (Linux's nice is per thread); elsewhere at the lowest priority the platform gives.</summary>
    private static void LowerToIdlePriority()
    {
        if (OperatingSystem.IsLinux() && SetPriority(PrioProcess, 0, Nice) == 0)
        {
            return;
        }

        Thread.CurrentThread.Priority = ThreadPriority.Lowest;
    }

    private const int PrioProcess = 0;

    private const int ClockThreadCpuTime = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
#pragma warning disable CS0649 // Filled in by the kernel.
        public long Seconds;
        public long Nanoseconds;
#pragma warning restore CS0649
    }

    /// <summary><c>clock_gettime(2)</c>.</summary>
    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    /// <summary>The lowest priority a normal thread has: it gets about 1.5% of a CPU that a thread at the default priority wants.</summary>
    private const int Nice = 19;

    /// <summary><c>setpriority(2)</c>: on Linux, PRIO_PROCESS with 0 sets the calling thread's nice value.</summary>
    [LibraryImport("libc", EntryPoint = "setpriority")]
    private static partial int SetPriority(int which, int who, int priority);

    /// <summary><c>gettid(2)</c>.</summary>
    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetThreadId();
}

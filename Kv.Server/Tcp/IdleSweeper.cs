using System.Collections.Concurrent;

namespace Kv.Server.Tcp;

/// <summary>
/// Closes the client sessions that have been idle for longer than the timeout (Redis's
/// <c>timeout</c>): one loop for the whole server wakes every quarter of the timeout, at most every
/// second, and compares each session's <see cref="ClientSession.LastActivity"/> with the clock. An
/// idle client costs no timer of its own, and a read on the hot path costs one clock read.
/// </summary>
/// <remarks>
/// A client is closed between the timeout and the timeout plus one interval after its last activity.
/// The sweep takes each session it closes out of the set; a session leaves it too when it ends.
/// </remarks>
internal sealed class IdleSweeper
{
    private static readonly TimeSpan s_longestInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<ClientSession, byte> _sessions = new();
    private readonly long _timeoutMs;

    /// <summary>A sweeper closing sessions idle for longer than <paramref name="timeout"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is not positive.</exception>
    public IdleSweeper(TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        Timeout = timeout;
        _timeoutMs = (long)timeout.TotalMilliseconds;
        Interval = timeout / 4 < s_longestInterval ? timeout / 4 : s_longestInterval;
    }

    /// <summary>How long a session may stay idle.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>How often the sessions are looked at.</summary>
    public TimeSpan Interval { get; }

    /// <summary>Watches <paramref name="session"/> until it ends (<see cref="Remove"/>) or is closed as idle.</summary>
    public void Add(ClientSession session) => _sessions.TryAdd(session, 0);

    /// <summary>Stops watching <paramref name="session"/>, which has ended.</summary>
    public void Remove(ClientSession session) => _sessions.TryRemove(session, out _);

    /// <summary>Sweeps every <see cref="Interval"/> until <paramref name="stopping"/> is canceled.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                Sweep(Environment.TickCount64);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The server is stopping; it closes every session itself.
        }
    }

    /// <summary>
    /// Closes (<see cref="ClientSession.CloseIdle"/>) and stops watching every session idle for
    /// longer than <see cref="Timeout"/> at <paramref name="now"/> (<see cref="Environment.TickCount64"/>);
    /// returns how many.
    /// </summary>
    public int Sweep(long now)
    {
        var closed = 0;
        foreach (var (session, _) in _sessions)
        {
            if (now - session.LastActivity > _timeoutMs && _sessions.TryRemove(session, out _))
            {
                session.CloseIdle();
                closed++;
            }
        }

        return closed;
    }
}

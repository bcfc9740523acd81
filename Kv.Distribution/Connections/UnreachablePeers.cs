using Kv.Distribution.Nodes;

namespace Kv.Distribution.Connections;

/// <summary>
/// The peers known to be unreachable, for which requests fail at once instead of each waiting out a
/// connect (Akka.NET gates a failed address the same way). A peer is gated when an attempt to link
/// to it failed slowly (it took <see cref="SlowFailure"/> or more: a black-holed host, a silent port
/// mapper, a frozen node) or its link went silent past the tick time; a fast failure (nothing
/// registered, connection refused) is not gated, since the next attempt costs as little.
/// </summary>
/// <remarks>
/// While gated, the node retries in the background with a back-off from <see cref="FirstRetry"/>
/// doubling to <see cref="MaxRetry"/>, and a request may probe it (<see cref="TryProbe"/>); the first
/// link up (either way) lifts the gate. A peer nobody
/// asked for in <see cref="ForgetAfter"/> is forgotten and no longer retried. At most
/// <see cref="Capacity"/> peers are gated: past that, a peer is simply not gated (each request
/// then tries for itself), so a peer announcing made-up nodes cannot grow this table.
/// Thread-safe.
/// </remarks>
internal sealed class UnreachablePeers
{
    /// <summary>How long a failed attempt must have taken for its peer to be gated.</summary>
    public static readonly TimeSpan SlowFailure = TimeSpan.FromSeconds(1);

    /// <summary>The first background retry's delay.</summary>
    public static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest delay between background retries.</summary>
    public static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(1);

    /// <summary>How long a gated peer is retried after the last request for it.</summary>
    public static readonly TimeSpan ForgetAfter = TimeSpan.FromSeconds(60);

    /// <summary>How long after a request's probe of a gated peer ends before another request probes it.</summary>
    public static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>How many peers may be gated at once.</summary>
    public const int Capacity = 1024;

    private readonly Lock _gate = new();
    private readonly Dictionary<NodeName, Entry> _peers = [];

    /// <summary>Whether requests for <paramref name="peer"/> fail at once; counts as a request for it.</summary>
    public bool IsGated(NodeName peer, out string reason)
    {
        lock (_gate)
        {
            if (_peers.TryGetValue(peer, out var entry))
            {
                entry.LastWanted = Environment.TickCount64;
                reason = entry.Reason;
                return true;
            }
        }

        reason = string.Empty;
        return false;
    }

    /// <summary>
    /// Whether a request for gated <paramref name="peer"/> should probe it (try a fresh attempt and
    /// wait briefly for it): one probe at a time, and not within <see cref="ProbeInterval"/> of the
    /// last one's end, so that a stream of requests fails at once but for an occasional probe.
    /// </summary>
    public bool TryProbe(NodeName peer)
    {
        lock (_gate)
        {
            if (!_peers.TryGetValue(peer, out var entry) || Environment.TickCount64 < entry.NextProbe)
            {
                return false;
            }

            entry.NextProbe = long.MaxValue;
            return true;
        }
    }

    /// <summary>A probe of <paramref name="peer"/> ended: the next may come after <see cref="ProbeInterval"/>.</summary>
    public void ProbeEnded(NodeName peer)
    {
        lock (_gate)
        {
            if (_peers.TryGetValue(peer, out var entry))
            {
                entry.NextProbe = Environment.TickCount64 + (long)ProbeInterval.TotalMilliseconds;
            }
        }
    }

    /// <summary>Gates <paramref name="peer"/> for <paramref name="reason"/>.</summary>
    /// <returns><see langword="true"/> when it was not gated before: start retrying it.</returns>
    public bool Gate(NodeName peer, string reason)
    {
        lock (_gate)
        {
            if (_peers.TryGetValue(peer, out var entry))
            {
                entry.Reason = reason;
                return false;
            }

            if (_peers.Count >= Capacity)
            {
                return false;
            }

            _peers[peer] = new Entry(reason);
            return true;
        }
    }

    /// <summary>A link to <paramref name="peer"/> is up: requests for it go through again.</summary>
    public void Lift(NodeName peer)
    {
        lock (_gate)
        {
            _peers.Remove(peer);
        }
    }

    /// <summary>
    /// Whether to retry <paramref name="peer"/> now, with the delay before the retry after this one;
    /// a peer no longer gated, or not asked for lately (then forgotten), is not retried.
    /// </summary>
    public bool ShouldRetry(NodeName peer, out TimeSpan nextDelay)
    {
        lock (_gate)
        {
            nextDelay = MaxRetry;
            if (!_peers.TryGetValue(peer, out var entry))
            {
                return false;
            }

            if (Environment.TickCount64 - entry.LastWanted > (long)ForgetAfter.TotalMilliseconds)
            {
                _peers.Remove(peer);
                return false;
            }

            entry.Delay = entry.Delay == TimeSpan.Zero ? FirstRetry : TimeSpan.FromTicks(Math.Min(entry.Delay.Ticks * 2, MaxRetry.Ticks));
            nextDelay = entry.Delay;
            return true;
        }
    }

    private sealed class Entry(string reason)
    {
        public string Reason { get; set; } = reason;

        public long LastWanted { get; set; } = Environment.TickCount64;

        public TimeSpan Delay { get; set; }

        public long NextProbe { get; set; }
    }
}

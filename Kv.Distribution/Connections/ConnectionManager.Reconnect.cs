using Kv.Distribution.Nodes;
using Kv.Distribution.Rpc;
using Kv.Distribution.Support;

namespace Kv.Distribution.Connections;

/// <summary>Peers known to be unreachable (<see cref="UnreachablePeers"/>): requests for them fail at once, and the node retries them in the background.</summary>
internal sealed partial class ConnectionManager
{
    /// <summary>How long a request that probes a peer known to be unreachable waits before it fails.</summary>
    private static readonly TimeSpan s_gatedWait = TimeSpan.FromMilliseconds(500);

    /// <summary>What a caller wants of the link to a peer.</summary>
    private enum LinkUse
    {
        /// <summary>Use the link, or the attempt setting it up; start none.</summary>
        IfUp,

        /// <summary>Send a frame: use the link, setting it up if needed; refused at once while the peer is known to be unreachable.</summary>
        Send,

        /// <summary>
        /// A request (a call, a spawn): use the link, setting it up if needed; while the peer is known
        /// to be unreachable, fail at once, but for an occasional probe (<see cref="UnreachablePeers.TryProbe"/>)
        /// that waits briefly on a fresh attempt, so that a request soon after the peer is back goes through.
        /// </summary>
        Request,

        /// <summary>As <see cref="Request"/>, trying even a peer known to be unreachable, for as long as an attempt takes.</summary>
        Force,
    }

    /// <summary>
    /// A probe of a gated peer, under the lock: the attempt in flight when it is fresh (started
    /// within <see cref="UnreachablePeers.ProbeInterval"/>), else a new one, replacing a stale one
    /// (a partition healed meanwhile leaves an attempt stuck on a dropped SYN).
    /// </summary>
    /// <returns>The attempt, and whether it is new: the caller starts it once out of the lock.</returns>
    private (ConnectAttempt Attempt, bool Start) ProbeLocked(NodeName peer)
    {
        if (_attempts.TryGetValue(peer, out var running))
        {
            if (Environment.TickCount64 - running.Started < (long)UnreachablePeers.ProbeInterval.TotalMilliseconds)
            {
                return (running, false);
            }

            running.Superseded = true;
            running.Abort();
        }

        var attempt = new ConnectAttempt(peer, NewOutbox(), background: true);
        _attempts[peer] = attempt;
        return (attempt, true);
    }

    /// <summary>
    /// Waits for a probe's attempt at most <see cref="s_gatedWait"/> (and not past <paramref name="deadline"/>),
    /// so that the first request after a peer is back goes through and the others fail fast.
    /// </summary>
    private async Task<NodeConnection> ProbeAsync(ConnectAttempt probe, string reason, long deadline, CancellationToken cancellationToken)
    {
        var left = Deadline.Left(deadline);
        var wait = left == Timeout.InfiniteTimeSpan || left > s_gatedWait ? s_gatedWait : left;
        try
        {
            return await probe.Completion.Task.WaitAsync(wait, cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or RpcException)
        {
            throw new RpcException(
                RpcFailure.NoConnection,
                probe.Peer.ToString(),
                $"Cannot reach {probe.Peer}: {reason} (it is retried in the background; requests fail at once meanwhile).",
                innerException: ex);
        }
        finally
        {
            _unreachable.ProbeEnded(probe.Peer);
        }
    }

    /// <summary>Gates <paramref name="peer"/>, and starts retrying it unless that runs already.</summary>
    private void GateAndRetry(NodeName peer, string reason)
    {
        if (_unreachable.Gate(peer, reason))
        {
            _ = RetryAsync(peer);
        }
    }

    /// <summary>
    /// Tries to link to a gated peer after each back-off delay, one attempt at a time, until a link
    /// is up (which lifts the gate), nobody has asked for the peer lately, or the node stops.
    /// </summary>
    private async Task RetryAsync(NodeName peer)
    {
        while (_unreachable.ShouldRetry(peer, out var delay))
        {
            try
            {
                await Task.Delay(delay, stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            ConnectAttempt? attempt = null;
            lock (_gate)
            {
                if (_connections.TryGetValue(peer, out var up) && !up.IsClosed)
                {
                    _unreachable.Lift(peer);
                    return;
                }

                if (!_attempts.ContainsKey(peer))
                {
                    attempt = new ConnectAttempt(peer, NewOutbox(), background: true);
                    _attempts[peer] = attempt;
                }
            }

            if (attempt is not null)
            {
                await RunConnectAsync(attempt);
            }
        }
    }
}

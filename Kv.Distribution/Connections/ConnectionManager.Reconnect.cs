using Kv.Distribution.Nodes;

namespace Kv.Distribution.Connections;

/// <summary>Peers known to be unreachable (<see cref="UnreachablePeers"/>): requests for them fail at once, and the node retries them in the background.</summary>
internal sealed partial class ConnectionManager
{
    /// <summary>What a caller wants of the link to a peer.</summary>
    private enum LinkUse
    {
        /// <summary>Use the link, or the attempt setting it up; start none.</summary>
        IfUp,

        /// <summary>Use the link, setting it up if needed, unless the peer is known to be unreachable.</summary>
        Connect,

        /// <summary>As <see cref="Connect"/>, trying even a peer known to be unreachable.</summary>
        Force,
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

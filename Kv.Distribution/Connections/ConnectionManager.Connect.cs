using Kv.Distribution.Nodes;
using Kv.Distribution.Rpc;
using Kv.Distribution.Support;

namespace Kv.Distribution.Connections;

/// <summary>
/// The connecting side of <see cref="ConnectionManager"/>: which link or attempt a caller gets
/// (<see cref="Route"/>), running an attempt, and ending one that failed.
/// </summary>
internal sealed partial class ConnectionManager
{
    /// <summary>
    /// The link to <paramref name="peer"/> when it is up; else the attempt setting it up (started
    /// here when there is none and <paramref name="use"/> asks to connect), with the reason the peer
    /// is known to be unreachable when it is (then a request gets the retry to wait on, briefly, and
    /// anything else no attempt at all).
    /// </summary>
    private (NodeConnection? Connection, ConnectAttempt? Attempt, string? Gated) Route(NodeName peer, LinkUse use)
    {
        ConnectAttempt attempt;
        string? gated;
        lock (_gate)
        {
            if (_connections.TryGetValue(peer, out var connection) && !connection.IsClosed)
            {
                return (connection, null, null);
            }

            gated = use != LinkUse.Force && _unreachable.IsGated(peer, out var reason) ? reason : null;
            if (gated is not null)
            {
                if (use != LinkUse.Request || !_unreachable.TryProbe(peer))
                {
                    return (null, null, gated);
                }

                (attempt, var start) = ProbeLocked(peer);
                if (!start)
                {
                    return (null, attempt, gated);
                }
            }
            else
            {
                if (_attempts.TryGetValue(peer, out var running) || use == LinkUse.IfUp)
                {
                    return (null, running, null);
                }

                attempt = new ConnectAttempt(peer, NewOutbox());
                _attempts[peer] = attempt;
            }
        }

        _ = RunConnectAsync(attempt);
        return (null, attempt, gated);
    }

    private async Task RunConnectAsync(ConnectAttempt attempt)
    {
        try
        {
            var (socket, stream, peer) = await attempt.ConnectAsync(options, identity, logger, stopping);
            Register(socket, stream, peer, outbound: true);
        }
        catch (HandshakeException ex) when (ex.Failure == HandshakeFailure.SimultaneousConnect || IsBeingAccepted(attempt.Peer))
        {
            // The peer's own connection to us wins (nok, see Decide), or it is already up on its side
            // (alive) while this side finishes accepting it: Register adopts this attempt when that
            // link is up, which must happen within the attempt's time.
            try
            {
                await attempt.Completion.Task.WaitAsync(options.HandshakeTimeout, stopping);
            }
            catch (Exception wait) when (wait is TimeoutException or OperationCanceledException or RpcException)
            {
                Fail(attempt, $"a connection from it did not complete (it answered {ex.Failure})");
            }
        }
        catch (HandshakeException ex)
        {
            metrics.Error("handshake");
            var reason = ex.Failure == HandshakeFailure.AlreadyConnected ? LinkedUnderAnotherName(attempt.Peer) : ex.Message;
            DistributionLog.HandshakeRefused(logger, attempt.Peer.ToString(), ex.Step.ToString(), reason);
            Fail(attempt, $"refused at {ex.Step}: {reason}", ex);
        }
        catch (ConnectException ex)
        {
            metrics.Error(ex.InnerException is HandshakeException ? "handshake" : "connect");
            Fail(attempt, ex.Message, ex.InnerException);
        }
    }

    /// <summary>
    /// Why a node reached as <paramref name="asked"/> answered <c>alive</c> (linked to this node
    /// already) when this node has no link of that name: the node there runs under another name
    /// (<c>foo@localhost</c> asked, <c>foo@laptop</c> met), found among this node's links by its name part.
    /// </summary>
    private string LinkedUnderAnotherName(NodeName asked)
    {
        NodeName? met;
        lock (_gate)
        {
            met = _connections.Keys.Where(linked => linked.Name == asked.Name && linked != asked).Select(linked => (NodeName?)linked).FirstOrDefault();
        }

        const string Hint = "a node's name must be given exactly as it runs, host included";
        return met is { } name
            ? $"expected {asked}, met {name}, which is linked to this node already under that name; {Hint}"
            : $"expected {asked}, met a node linked to this node already under another name; {Hint}";
    }

    /// <summary>Ends <paramref name="attempt"/> with NoConnection, unless a link adopted it first.</summary>
    private void Fail(ConnectAttempt attempt, string reason, Exception? inner = null)
    {
        lock (_gate)
        {
            if (attempt.Adopted)
            {
                return; // A link took it over (see Decide): its outbox is that link's now.
            }

            if (_attempts.TryGetValue(attempt.Peer, out var current) && current == attempt)
            {
                _attempts.Remove(attempt.Peer);
            }
        }

        // Gated before anyone hears of the failure: a request that the failure's answer prompts
        // must find the peer known to be unreachable, not start another slow attempt.
        if (!attempt.Superseded && !stopping.IsCancellationRequested
            && Environment.TickCount64 - attempt.Started >= (long)UnreachablePeers.SlowFailure.TotalMilliseconds)
        {
            GateAndRetry(attempt.Peer, reason);
        }

        var dropped = attempt.Outbox.Abandon();
        attempt.Completion.TrySetException(new RpcException(
            RpcFailure.NoConnection, attempt.Peer.ToString(), $"Cannot reach {attempt.Peer}: {reason}.", innerException: inner));
        if (attempt.Superseded)
        {
            return;
        }

        LogUnreachable(attempt.Peer, reason, dropped);
        metrics.DeadLetter("noconnection", dropped);

        if (!attempt.Background)
        {
            Unreachable?.Invoke(attempt.Peer, reason);
        }
    }

    private static async Task<NodeConnection> WaitForLinkAsync(ConnectAttempt attempt, long deadline, CancellationToken cancellationToken)
    {
        if (deadline == long.MaxValue)
        {
            return await attempt.Completion.Task.WaitAsync(cancellationToken);
        }

        try
        {
            return await attempt.Completion.Task.WaitAsync(Deadline.Left(deadline), cancellationToken);
        }
        catch (TimeoutException ex)
        {
            throw new RpcException(RpcFailure.Timeout, attempt.Peer.ToString(), $"No link to {attempt.Peer} within the request's timeout; it is still being set up.", innerException: ex);
        }
    }

    /// <summary>
    /// Logs a failed attempt: at Information (as a link going down is) at most once a second, so
    /// that code sending in a loop to a node that is down (each send starts an attempt) cannot
    /// flood the log; at Debug otherwise.
    /// </summary>
    private void LogUnreachable(NodeName peer, string reason, int dropped)
    {
        if (_unreachableLog.TryPass(out var held))
        {
            DistributionLog.Unreachable(logger, peer.ToString(), reason, dropped, held);
        }
        else
        {
            DistributionLog.UnreachableAgain(logger, peer.ToString(), reason, dropped);
        }
    }
}

using Kv.Distribution.Nodes;
using Kv.Distribution.Rpc;
using Kv.Distribution.Terms;

namespace Kv.Distribution.Connections;

/// <summary>The calling side of <see cref="ConnectionManager"/>: an rpc put on the link to its node.</summary>
internal sealed partial class ConnectionManager
{
    /// <summary>
    /// Calls <paramref name="module"/>.<paramref name="function"/> on <paramref name="peer"/> over
    /// its link, set up first when it is not up (<see cref="GetConnectionAsync"/>). Over a link that
    /// is up the task is the request's own (<see cref="NodeConnection.RequestAsync"/>): a call costs
    /// no state machine here.
    /// </summary>
    /// <returns>
    /// A task that fails as <see cref="NodeConnection.CallAsync"/>'s does, or with
    /// <see cref="RpcException"/> (<see cref="RpcFailure.NoConnection"/>, <see cref="RpcFailure.Timeout"/>)
    /// when the link cannot be set up by <paramref name="deadline"/>.
    /// </returns>
    public Task<object?> CallAsync(NodeName peer, string module, string function, object?[] args, Pid? groupLeader, long deadline, bool inlineContinuation, CancellationToken cancellationToken)
    {
        try
        {
            var link = GetConnectionAsync(peer, deadline, cancellationToken);
            return link.IsCompletedSuccessfully
                ? link.Result.CallAsync(module, function, args, groupLeader, deadline, inlineContinuation, cancellationToken)
                : CallOnceLinkedAsync(link, module, function, args, groupLeader, deadline, inlineContinuation, cancellationToken);
        }
        catch (RpcException failure)
        {
            // A peer known to be unreachable fails at once: as a failed task, as every other failure.
            return Task.FromException<object?>(failure);
        }
    }

    private static async Task<object?> CallOnceLinkedAsync(
        ValueTask<NodeConnection> link, string module, string function, object?[] args, Pid? groupLeader, long deadline, bool inlineContinuation, CancellationToken cancellationToken) =>
        await (await link).CallAsync(module, function, args, groupLeader, deadline, inlineContinuation, cancellationToken);
}

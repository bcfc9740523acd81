namespace Kv.Distribution.Connections;

/// <summary>
/// A request awaiting its reply on a link (an rpc, a remote spawn), with the time after which
/// the node's sweeper fails it with a timeout. Whoever removes it from the link's table first
/// (the reply, the sweeper, a cancellation or the link going down) completes it.
/// </summary>
internal class PendingRequest(long deadline, string module, string function)
    : TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously)
{
    /// <summary>When it times out, in <see cref="Environment.TickCount64"/> milliseconds.</summary>
    public long Deadline { get; } = deadline;

    /// <summary>What was asked, for the timeout's message (composed only then).</summary>
    public virtual string What => $"{module}.{function}";
}

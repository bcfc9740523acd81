namespace Kv.Distribution.Connections;

/// <summary>
/// A request awaiting its reply on a link (an rpc, a remote spawn), with the time after which
/// the node's sweeper fails it with a timeout. Whoever removes it from the link's table first
/// (the reply, the sweeper, the caller's cancellation or the link going down) completes it, with
/// <see cref="Complete"/> or <see cref="Fail"/>, which also let go of the caller's token.
/// </summary>
/// <remarks>
/// The caller's continuation runs on the thread pool, unless the caller asked for it to run inline
/// (<paramref name="inlineContinuation"/>, <see cref="Node.CallInlineAsync"/>): then it runs on the
/// thread that completes the request, the link's read loop for a reply, and the request is written
/// on the caller's thread too.
/// </remarks>
internal class PendingRequest(long deadline, string module, string function, bool inlineContinuation = false)
    : TaskCompletionSource<object?>(inlineContinuation ? TaskCreationOptions.None : TaskCreationOptions.RunContinuationsAsynchronously)
{
    private CancellationTokenRegistration _cancellation;
    private NodeConnection? _link;
    private ulong _requestId;

    /// <summary>When it times out (<see cref="Support.Deadline"/>).</summary>
    public long Deadline { get; } = deadline;

    /// <summary>Whether the caller's continuation runs where the request completes, and its frame is written where it is made.</summary>
    public bool IsInline { get; } = inlineContinuation;

    /// <summary>What was asked, for the timeout's message (composed only then).</summary>
    public virtual string What => $"{module}.{function}";

    /// <summary>
    /// Lets <paramref name="cancellationToken"/> cancel the request, known to <paramref name="link"/>
    /// as <paramref name="requestId"/>: the request is taken out of the link's table and cancelled,
    /// unless something else took it first.
    /// </summary>
    public void CancelWith(NodeConnection link, ulong requestId, CancellationToken cancellationToken)
    {
        if (!cancellationToken.CanBeCanceled)
        {
            return;
        }

        // The state is the request itself: registering allocates no closure and no boxed id.
        _link = link;
        _requestId = requestId;
        _cancellation = cancellationToken.UnsafeRegister(
            static (state, token) =>
            {
                var request = (PendingRequest)state!;
                if (request._link!.TryTakeRequest(request._requestId, out var taken))
                {
                    taken.TrySetCanceled(token);
                }
            },
            this);
    }

    /// <summary>Ends the request with its reply's value; for whoever took it out of the link's table.</summary>
    public void Complete(object? value)
    {
        _cancellation.Unregister();
        TrySetResult(value);
    }

    /// <summary>Ends the request with <paramref name="failure"/>; for whoever took it out of the link's table.</summary>
    public void Fail(Exception failure)
    {
        _cancellation.Unregister();
        TrySetException(failure);
    }
}

using Kv.Distribution.Support;

namespace Kv.Distribution.Processes;

/// <summary>
/// A process's mailbox: messages in arrival order, read by the process alone with selective
/// receive (the first message that matches is taken; the others stay, in order).
/// </summary>
/// <remarks>
/// Messages sit in a list read from a head index, so taking the oldest message (the common case)
/// is O(1); the consumed prefix is dropped once it is more than half of the list. A receive scans
/// each message once: messages already found not to match are not tested again while the same
/// receive waits. Closing the mailbox (the process ended) drops its messages and wakes a waiting
/// receive with <see cref="ExitException"/>.
/// </remarks>
internal sealed class Mailbox
{
    private readonly Lock _gate = new();
    private const int CompactAfter = 1024;

    private readonly List<object?> _messages = [];
    private int _head;
    private TaskCompletionSource? _arrival;
    private object? _closedReason;
    private bool _closed;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _messages.Count - _head;
            }
        }
    }

    /// <summary>Adds a message; dropped once the mailbox is closed.</summary>
    public void Post(object? message)
    {
        TaskCompletionSource? arrival;
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            _messages.Add(message);
            arrival = _arrival;
            _arrival = null;
        }

        arrival?.TrySetResult();
    }

    /// <summary>
    /// Adds <paramref name="messages"/> in order, as many <see cref="Post"/>s would, under one
    /// acquisition of the lock and with one wake-up of a waiting receive.
    /// </summary>
    public void PostRange(List<object?> messages)
    {
        TaskCompletionSource? arrival;
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            _messages.AddRange(messages);
            arrival = _arrival;
            _arrival = null;
        }

        arrival?.TrySetResult();
    }

    /// <summary>Takes the first message that <paramref name="match"/> accepts, waiting up to <paramref name="timeout"/>.</summary>
    /// <exception cref="TimeoutException">No matching message came in time.</exception>
    /// <exception cref="ExitException">The process ended while waiting.</exception>
    public async ValueTask<object?> ReceiveAsync(Func<object?, bool>? match, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var scanned = 0;
        var deadline = timeout == Timeout.InfiniteTimeSpan ? long.MaxValue : Deadline.After(timeout);
        while (true)
        {
            Task arrived;
            lock (_gate)
            {
                if (_closed)
                {
                    throw new ExitException(_closedReason);
                }

                for (var i = _head + scanned; i < _messages.Count; i++)
                {
                    var message = _messages[i];
                    if (match is null || match(message))
                    {
                        Take(i);
                        return message;
                    }
                }

                scanned = _messages.Count - _head;
                _arrival ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                arrived = _arrival.Task;
            }

            var remaining = Deadline.Left(deadline); // infinite for long.MaxValue
            if (remaining == TimeSpan.Zero)
            {
                throw new TimeoutException($"No matching message within {timeout.TotalMilliseconds:0} ms.");
            }

            try
            {
                await arrived.WaitAsync(remaining, cancellationToken);
            }
            catch (TimeoutException)
            {
                // Loop once more: a message may have come at the deadline, or the timer (on a coarser
                // clock) fired a little before it.
            }
        }
    }

    /// <summary>Removes the message at <paramref name="index"/>: from the head in O(1), from the middle by shifting.</summary>
    private void Take(int index)
    {
        if (index != _head)
        {
            _messages.RemoveAt(index);
            return;
        }

        _messages[_head++] = null;
        if (_head == _messages.Count)
        {
            _messages.Clear();
            _head = 0;
        }
        else if (_head >= CompactAfter && _head * 2 >= _messages.Count)
        {
            _messages.RemoveRange(0, _head);
            _head = 0;
        }
    }

    /// <summary>Drops every message and refuses new ones; a waiting receive ends with <see cref="ExitException"/>.</summary>
    public void Close(object? reason)
    {
        TaskCompletionSource? arrival;
        lock (_gate)
        {
            _closed = true;
            _closedReason = reason;
            _messages.Clear();
            _head = 0;
            arrival = _arrival;
            _arrival = null;
        }

        arrival?.TrySetResult();
    }
}

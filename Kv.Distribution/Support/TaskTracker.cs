using System.Collections.Concurrent;

namespace Kv.Distribution.Support;

/// <summary>
/// The tasks a server runs, one per connection, so that stopping can wait for them all; a task
/// leaves the set as soon as it ends.
/// </summary>
public sealed class TaskTracker
{
    private readonly ConcurrentDictionary<long, Task> _running = new();
    private long _nextId;

    /// <summary>How many tracked tasks are still running.</summary>
    public int Count => _running.Count;

    /// <summary>Tracks <paramref name="task"/> until it ends (a task that has already ended is not kept).</summary>
    public void Add(Task task)
    {
        ArgumentNullException.ThrowIfNull(task);
        var id = Interlocked.Increment(ref _nextId);
        _running[id] = task;

        // Registered after the entry exists, so that a task that has already ended is removed too.
        _ = task.ContinueWith(
            static (_, state) =>
            {
                var (running, taskId) = ((ConcurrentDictionary<long, Task>, long))state!;
                running.TryRemove(taskId, out var _);
            },
            (_running, id),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>Completes when every task tracked at the time of the call has ended.</summary>
    public Task WhenAll() => Task.WhenAll(_running.Values);
}

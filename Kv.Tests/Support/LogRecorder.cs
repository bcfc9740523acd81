using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Kv.Tests.Support;

/// <summary>One recorded log message.</summary>
internal sealed record LogEntry(string Category, LogLevel Level, int EventId, string Message, Exception? Exception)
{
    public override string ToString() => $"{Level} {EventId} {Category}: {Message}";
}

/// <summary>
/// A logger factory that records every message, so that a test can wait (with a deadline) for the
/// one that says why something happened, instead of sleeping.
/// </summary>
internal sealed class LogRecorder : ILoggerFactory
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(5);

    private readonly List<LogEntry> _entries = [];
    private TaskCompletionSource _added = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<LogEntry> Entries
    {
        get
        {
            lock (_entries)
            {
                return [.. _entries];
            }
        }
    }

    /// <summary>Waits for a message containing <paramref name="text"/>, recorded before or after the call.</summary>
    public Task<LogEntry> WaitForAsync(string text) =>
        WaitForAsync(entry => entry.Message.Contains(text, StringComparison.Ordinal), $"containing '{text}'");

    /// <summary>Waits for a message that matches <paramref name="match"/>, recorded before or after the call.</summary>
    public async Task<LogEntry> WaitForAsync(Func<LogEntry, bool> match, string what)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            Task added;
            lock (_entries)
            {
                if (_entries.FirstOrDefault(match) is { } found)
                {
                    return found;
                }

                added = _added.Task;
            }

            var remaining = s_deadline - Stopwatch.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException($"No log message {what} within {s_deadline}. Logged:\n{string.Join('\n', Entries)}");
            }

            await Task.WhenAny(added, Task.Delay(remaining, TestContext.Current.CancellationToken));
        }
    }

    public ILogger CreateLogger(string categoryName) => new Recorder(this, categoryName);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException("The recorder records; it has no providers.");

    public void Dispose()
    {
    }

    private void Add(LogEntry entry)
    {
        TaskCompletionSource added;
        lock (_entries)
        {
            _entries.Add(entry);
            added = _added;
            _added = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        added.SetResult();
    }

    private sealed class Recorder(LogRecorder recorder, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            recorder.Add(new LogEntry(category, logLevel, eventId.Id, formatter(state, exception), exception));
    }
}

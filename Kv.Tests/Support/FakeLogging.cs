using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Kv.Tests.Support;

/// <summary>
/// Recorded logs for tests (<see cref="FakeLogCollector"/> of Microsoft.Extensions.Diagnostics.Testing),
/// so that a test can wait, with a deadline, for the message that says why something happened
/// instead of sleeping.
/// </summary>
internal static class FakeLogging
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(5);

    /// <summary>A logger factory whose loggers record every message, at every level, into <paramref name="logs"/>.</summary>
    public static ILoggerFactory CreateFactory(FakeLogCollector logs) =>
        new LoggerFactory([new FakeLoggerProvider(logs)], new LoggerFilterOptions { MinLevel = LogLevel.Trace });

    /// <summary>Waits for a message containing <paramref name="text"/>, recorded before or after the call.</summary>
    public static Task<FakeLogRecord> WaitForAsync(this FakeLogCollector logs, string text) =>
        logs.WaitForAsync(record => record.Message.Contains(text, StringComparison.Ordinal), $"containing '{text}'");

    /// <summary>Waits for a message that matches <paramref name="match"/>, recorded before or after the call; fails the test after 5 s.</summary>
    public static async Task<FakeLogRecord> WaitForAsync(this FakeLogCollector logs, Func<FakeLogRecord, bool> match, string what)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(s_deadline);
        try
        {
            await foreach (var record in logs.GetLogsAsync(deadline.Token))
            {
                if (match(record))
                {
                    return record;
                }
            }
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            // The deadline: said below, with what was logged.
        }

        throw new TimeoutException($"No log message {what} within {s_deadline}. Logged:\n{string.Join('\n', logs.GetSnapshot().Select(r => $"{r.Level} {r.Id.Id} {r.Category}: {r.Message}"))}");
    }
}

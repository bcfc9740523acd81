using System.Diagnostics;

namespace Kv.Tests.Support;

/// <summary>One request of a <see cref="RequestLoop"/>: when it was sent, what it got and how long that took.</summary>
/// <param name="SentAt">When it was sent, as a <see cref="Stopwatch"/> timestamp.</param>
/// <param name="Request">The request line.</param>
/// <param name="Reply">Its status line (<c>OK</c>, <c>ERROR</c>, <c>NOT FOUND</c>), or <see langword="null"/> when none came within the deadline.</param>
/// <param name="Value">The value line of a GET answered OK.</param>
/// <param name="Took">How long the reply took (the deadline when none came).</param>
internal sealed record Sample(long SentAt, string Request, string? Reply, string? Value, TimeSpan Took)
{
    /// <summary>When the reply came (or the deadline passed), as a <see cref="Stopwatch"/> timestamp.</summary>
    public long AnsweredAt => SentAt + (long)(Took.TotalSeconds * Stopwatch.Frequency);

    public override string ToString() => $"{Request} -> {Reply ?? "(no reply)"} in {Took.TotalMilliseconds:0} ms";
}

/// <summary>
/// One client connection that keeps asking, one request at a time, until stopped: the "load" of the
/// fault tests. Each request has a deadline; one that gets no reply in time is recorded and ends the
/// loop (the connection is then out of step), so a hang shows up as a sample, not as a stuck test.
/// </summary>
internal sealed class RequestLoop : IAsyncDisposable
{
    /// <summary>At most one request per this interval: 100 a second.</summary>
    public static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(10);

    private readonly List<Sample> _samples = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;

    private RequestLoop(TextClient client, Func<int, string> request, TimeSpan deadline) =>
        _running = Task.Run(() => RunAsync(client, request, deadline));

    /// <summary>Every request so far.</summary>
    public IReadOnlyList<Sample> Samples
    {
        get
        {
            lock (_samples)
            {
                return [.. _samples];
            }
        }
    }

    /// <summary>Whether the loop has ended: stopped, or a request went unanswered.</summary>
    public bool IsStopped => _running.IsCompleted;

    /// <summary>Starts asking <c>request(0)</c>, <c>request(1)</c>, ... on <paramref name="client"/>.</summary>
    public static RequestLoop Start(TextClient client, Func<int, string> request, TimeSpan deadline) => new(client, request, deadline);

    /// <summary>The requests sent at or after <paramref name="timestamp"/>.</summary>
    public IReadOnlyList<Sample> Since(long timestamp) => [.. Samples.Where(s => s.SentAt >= timestamp)];

    /// <summary>Lets the request in flight finish, then stops; returns every sample.</summary>
    public async Task<IReadOnlyList<Sample>> StopAsync()
    {
        await _stop.CancelAsync();
        await _running;
        return Samples;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    /// <summary>Sends one request and reads its whole reply: a GET answered OK has a value line first.</summary>
    public static async Task<Sample> AskAsync(TextClient client, string request, TimeSpan deadline)
    {
        var sentAt = Stopwatch.GetTimestamp();
        var reply = AskCoreAsync(client, request);
        try
        {
            var (status, value) = await reply.WaitAsync(deadline, TestContext.Current.CancellationToken);
            return new Sample(sentAt, request, status, value, Stopwatch.GetElapsedTime(sentAt));
        }
        catch (TimeoutException) when (!reply.IsCompleted)
        {
            return new Sample(sentAt, request, null, null, deadline);
        }
    }

    private static async Task<(string Status, string? Value)> AskCoreAsync(TextClient client, string request)
    {
        var first = await client.CommandAsync(request);
        if (!request.StartsWith("GET ", StringComparison.Ordinal) || first is "ERROR" or "NOT FOUND" or "UNKNOWN COMMAND")
        {
            return (first, null);
        }

        return (await client.ReadLineAsync(), first);
    }

    private async Task RunAsync(TextClient client, Func<int, string> request, TimeSpan deadline)
    {
        // Paced, so that requests answered at once do not take the cores the nodes need.
        using var pace = new PeriodicTimer(Pace);
        for (var i = 0; !_stop.IsCancellationRequested; i++)
        {
            await pace.WaitForNextTickAsync(TestContext.Current.CancellationToken);
            var sample = await AskAsync(client, request(i), deadline);
            lock (_samples)
            {
                _samples.Add(sample);
            }

            if (sample.Reply is null)
            {
                return;
            }
        }
    }
}

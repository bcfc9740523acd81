using System.Diagnostics;
using System.Text;
using Kv.Tests.Support;

namespace Kv.Tests.MultiHost;

/// <summary>
/// bar is stopped (SIGTERM) while a client of foo pipelines writes to bar's bucket and foo's own.
/// bar's buckets live in its memory and go with it; what must hold is the survivor's side: foo
/// answers every request of that connection, OK or ERROR, each within the timeout, and loses none
/// of the writes to its own bucket that it acknowledged.
/// </summary>
[Trait("distributed", "true")]
[Trait("multihost", "true")]
[Collection(MultiHostSequence.Name)]
public sealed class PeerShutdownTests
{
    private const int LinesPerBatch = 10;
    private const int MaxLines = 20_000;

    /// <summary>A batch of lines every this often: about a thousand requests a second.</summary>
    private static readonly TimeSpan s_batchInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>How long the client goes on writing after bar is told to stop.</summary>
    private static readonly TimeSpan s_afterStop = TimeSpan.FromSeconds(2);

    [MultiHostFact]
    public async Task Sigterm_OfBarUnderPipelinedWrites_EveryRequestIsAnsweredInTime_AndFooKeepsWhatItAcknowledged()
    {
        await using var cluster = await MultiHostCluster.CreateAsync("foo", "bar");
        var (foo, bar) = await cluster.StartFooAndBarAsync();
        await using var client = await cluster.ConnectAsync("foo");
        Assert.Equal("OK", await client.CommandAsync("CREATE shopping"));
        Assert.Equal("OK", await client.CommandAsync("CREATE apples"));

        // Even lines write bar's bucket, odd lines foo's; sentAt[i] is when line i was written.
        var sentAt = new long[MaxLines];
        var replies = new string[MaxLines];
        var answeredAt = new long[MaxLines];
        var answered = 0;
        var sent = -1; // how many lines were written, once the writer is done; one more marks the end
        using var stopWriting = new CancellationTokenSource();
        var reading = Task.Run(async () =>
        {
            for (var i = 0; ; i++)
            {
                var reply = await client.ReadLineAsync();
                if (i == Volatile.Read(ref sent))
                {
                    return; // the reply to the line written after the last one: the end
                }

                (replies[i], answeredAt[i]) = (reply, Stopwatch.GetTimestamp());
                Volatile.Write(ref answered, i + 1);
            }
        });
        var writing = WriteAsync(client, sentAt, stopWriting.Token);

        await Eventually.TrueAsync(() => Volatile.Read(ref answered) >= 200 || reading.IsCompleted, "200 replies before bar is stopped");
        var stoppedAt = Stopwatch.GetTimestamp();
        bar.Terminate();
        await bar.WaitForExitAsync(TimeSpan.FromSeconds(5));
        var barGone = Stopwatch.GetElapsedTime(stoppedAt);
        stopWriting.CancelAfter(s_afterStop);
        Volatile.Write(ref sent, await writing);
        await client.SendAsync("CREATE apples\r\n");

        // Every line gets its reply, the last within the timeout of its writing.
        var allAnswered = true;
        try
        {
            await reading.WaitAsync(MultiHostCluster.RequestDeadline, TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            allAnswered = false;
        }

        var got = Volatile.Read(ref answered);
        var latencies = Enumerable.Range(0, got).Select(i => Stopwatch.GetElapsedTime(sentAt[i], answeredAt[i])).ToArray();
        var firstError = Enumerable.Range(0, got).FirstOrDefault(i => replies[i] == "ERROR", -1);
        Measurements.Report("SIGTERM: bar exited after", barGone);
        if (firstError >= 0)
        {
            Measurements.Report("SIGTERM: first ERROR after", Stopwatch.GetElapsedTime(stoppedAt, answeredAt[firstError]));
        }

        Measurements.Report($"SIGTERM: {got} of {sent} requests answered, the slowest in {latencies.Max().TotalSeconds:0.000} s");
        Assert.True(
            allAnswered,
            $"{got} of {sent} requests answered; none for {Stopwatch.GetElapsedTime(answeredAt[Math.Max(got - 1, 0)]).TotalSeconds:0.0} s. "
            + $"Last replies: {string.Join(", ", replies.Skip(Math.Max(got - 5, 0)).Take(Math.Min(got, 5)))}. Unanswered from: {(got < sent ? $"line {got}, written {Stopwatch.GetElapsedTime(sentAt[got]).TotalSeconds:0.0} s ago" : "the end marker")}. foo's last lines:\n{string.Join('\n', foo.Output.Split('\n').TakeLast(8))}");
        Assert.Equal(sent, got);
        Assert.All(latencies, took => Assert.True(took <= MultiHostCluster.RequestDeadline, $"A reply took {took.TotalSeconds:0.0} s."));
        Assert.All(Enumerable.Range(0, sent).Where(i => i % 2 == 1), i => Assert.Equal("OK", replies[i]));
        Assert.All(Enumerable.Range(0, sent).Where(i => i % 2 == 0), i => Assert.Contains(replies[i], (string[])["OK", "ERROR"]));
        Assert.Contains("ERROR", replies);

        // foo's bucket has every write it acknowledged (all of them), read back in one pipelined batch.
        var own = Enumerable.Range(0, sent).Where(i => i % 2 == 1).ToList();
        await client.SendAsync(string.Concat(own.Select(i => $"GET apples k{i}\r\n")));
        foreach (var i in own)
        {
            Assert.Equal($"v{i}", await client.ReadLineAsync());
            Assert.Equal("OK", await client.ReadLineAsync());
        }
    }

    /// <summary>Pipelines batches of PUTs, without waiting for replies, until <paramref name="stop"/>; returns how many lines it wrote.</summary>
    private static async Task<int> WriteAsync(TextClient client, long[] sentAt, CancellationToken stop)
    {
        using var pace = new PeriodicTimer(s_batchInterval);
        var sent = 0;
        while (!stop.IsCancellationRequested && sent + LinesPerBatch <= sentAt.Length)
        {
            var batch = new StringBuilder();
            for (var i = sent; i < sent + LinesPerBatch; i++)
            {
                batch.Append(i % 2 == 0 ? $"PUT shopping k{i} v{i}\r\n" : $"PUT apples k{i} v{i}\r\n");
                sentAt[i] = Stopwatch.GetTimestamp();
            }

            await client.SendAsync(batch.ToString());
            sent += LinesPerBatch;
            await pace.WaitForNextTickAsync(TestContext.Current.CancellationToken);
        }

        return sent;
    }
}

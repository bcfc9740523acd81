using System.Diagnostics;
using System.Globalization;
using Kv.Distribution;
using Kv.Distribution.Nodes;
using Kv.Distribution.Terms;

namespace Kv.Benchmarks.Load;

/// <summary>
/// One-way sends counted at the receiver: for each sender count, a <c>Process.Counter</c> process is
/// spawned on the server node and sender processes here stream small messages to it. After the
/// warmup the counter is asked how many it has got, again at the end of the window: the rate is the
/// difference over the time between the two answers (as the raw TCP baseline of peers-bench counts
/// its one-way rate). Then the senders stop, and every message sent must have been counted.
/// </summary>
/// <remarks>
/// Each sender asks the counter for its count after every 64 Ki messages and waits for the answer
/// before it goes on: that bounds the counter's backlog (a mailbox does not push back) and costs one
/// round trip per 65,536 messages. Its last answer comes after all its messages were counted, so the
/// final count is exact.
/// </remarks>
internal static class SendsCommand
{
    private const int MessagesPerSync = 65_536;
    private static readonly Atom s_count = new("count");
    private static readonly TimeSpan s_answerTimeout = TimeSpan.FromSeconds(60);

    public static async Task<int> RunAsync(Node self, NodeName server, IReadOnlyList<int> senders, TimeSpan warmup, TimeSpan duration, CancellationToken cancellationToken)
    {
        var rows = new List<string> { "| senders | messages received | received/s |", "| ---: | ---: | ---: |" };
        foreach (var count in senders)
        {
            var counter = await self.SpawnAsync(server, "Process", "Counter", [], cancellationToken);
            using var stop = new CancellationTokenSource();
            var sending = Task.WhenAll(Enumerable.Range(0, count).Select(_ => SendAsync(self, counter, stop.Token)));

            await Task.Delay(warmup, cancellationToken);
            var (before, from) = await CountAsync(self, counter, cancellationToken);
            await Task.Delay(duration, cancellationToken);
            var (after, to) = await CountAsync(self, counter, cancellationToken);
            await stop.CancelAsync();
            var sent = (await sending.WaitAsync(s_answerTimeout, cancellationToken)).Sum();
            var (received, _) = await CountAsync(self, counter, cancellationToken);
            self.Send(counter, "stop");

            var elapsed = Stopwatch.GetElapsedTime(from, to);
            var rate = (after - before) / elapsed.TotalSeconds;
            Console.WriteLine($"senders={count} sent={sent} received={received} measured={after - before} elapsed={elapsed.TotalSeconds:F2}s received/s={rate:F0}");
            rows.Add(string.Create(CultureInfo.InvariantCulture, $"| {count} | {after - before} | {rate:0} |"));
            if (received != sent)
            {
                Console.Error.WriteLine($"e2e: sent {sent} but the counter received {received}");
                return 1;
            }
        }

        Console.WriteLine();
        Console.WriteLine(string.Join('\n', rows));
        return 0;
    }

    /// <summary>The counter's count, and the <see cref="Stopwatch"/> timestamp when its answer came.</summary>
    private static async Task<(long Count, long At)> CountAsync(Node self, Pid counter, CancellationToken cancellationToken)
    {
        var reply = new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously);
        self.Spawn(async context =>
        {
            context.Send(counter, new object?[] { context.Self, s_count });
            reply.SetResult(await context.ReceiveAsync(s_answerTimeout));
        });
        var count = (long)(await reply.Task.WaitAsync(s_answerTimeout, cancellationToken))!;
        return (count, Stopwatch.GetTimestamp());
    }

    /// <summary>A sender process: streams until <paramref name="stop"/>, syncing with the counter every 64 Ki messages; returns how many it sent.</summary>
    private static Task<long> SendAsync(Node self, Pid counter, CancellationToken stop)
    {
        var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        self.Spawn(async context =>
        {
            long sent = 0;
            object message = 1L;
            var query = new object?[] { context.Self, s_count };
            while (!stop.IsCancellationRequested)
            {
                for (var i = 0; i < MessagesPerSync; i++)
                {
                    context.Send(counter, message);
                }

                sent += MessagesPerSync;
                context.Send(counter, query);
                await context.ReceiveAsync(s_answerTimeout);
            }

            done.SetResult(sent);
        });
        return done.Task;
    }
}

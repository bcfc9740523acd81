using System.Diagnostics;
using System.Globalization;
using Kv.Distribution;
using Kv.Distribution.Nodes;
using Kv.Distribution.Terms;

namespace Kv.Benchmarks.Load;

/// <summary>
/// One-way sends counted at the receiver: for each sender count, a <c>Process.Counter</c> process is
/// spawned on the server node, sender processes here stream small messages to it for the duration,
/// then the counter is asked how many it got. The rate is what arrived, over the time until the
/// count came back. Links do not push back on senders (there is no "busy port" yet), so each sender
/// waits for the counter's answer after every 64 Ki messages: that bounds the backlog and costs one
/// round trip per 65,536 messages.
/// </summary>
internal static class SendsCommand
{
    private static readonly Atom s_count = new("count");

    public static async Task<int> RunAsync(Node self, NodeName server, IReadOnlyList<int> senders, TimeSpan duration, CancellationToken cancellationToken)
    {
        var rows = new List<string> { "| senders | messages received | received/s |", "| ---: | ---: | ---: |" };
        foreach (var count in senders)
        {
            var counter = await self.SpawnAsync(server, "Process", "Counter", [], cancellationToken);
            var started = Stopwatch.GetTimestamp();
            var stopAt = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);
            var sent = await Task.WhenAll(Enumerable.Range(0, count).Select(_ => SendAsync(self, counter, stopAt)));

            var reply = new TaskCompletionSource<object?>();
            self.Spawn(async context =>
            {
                context.Send(counter, new object?[] { context.Self, s_count });
                reply.SetResult(await context.ReceiveAsync(TimeSpan.FromSeconds(60)));
            });
            var received = (long)(await reply.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken))!;
            var elapsed = Stopwatch.GetElapsedTime(started);
            self.Send(counter, "stop");
            Console.WriteLine($"senders={count} sent={sent.Sum()} received={received} elapsed={elapsed.TotalSeconds:F2}s received/s={received / elapsed.TotalSeconds:F0}");
            rows.Add(string.Create(CultureInfo.InvariantCulture, $"| {count} | {received} | {received / elapsed.TotalSeconds:0} |"));
            if (received != sent.Sum())
            {
                Console.Error.WriteLine($"e2e: sent {sent.Sum()} but the counter received {received}");
                return 1;
            }
        }

        Console.WriteLine();
        Console.WriteLine(string.Join('\n', rows));
        return 0;
    }

    private static Task<long> SendAsync(Node self, Pid counter, long stopAt)
    {
        var done = new TaskCompletionSource<long>();
        self.Spawn(async context =>
        {
            long sent = 0;
            object message = 1L;
            var query = new object?[] { context.Self, s_count };
            while (Stopwatch.GetTimestamp() < stopAt)
            {
                for (var i = 0; i < 65_536; i++)
                {
                    context.Send(counter, message);
                }

                sent += 65_536;
                context.Send(counter, query);
                await context.ReceiveAsync(TimeSpan.FromSeconds(60));
            }

            done.SetResult(sent);
        });
        return done.Task;
    }
}

using Kv.Distribution;
using Kv.Distribution.Nodes;
using Kv.Distribution.Processes;
using Kv.Distribution.Terms;

namespace Kv.Benchmarks.Load;

/// <summary>
/// One pair per caller: a process here whose mailbox the load loop reads, and a
/// <c>Process.Echo</c> process on the server node. A batch is one round trip: send
/// <c>[self, n]</c>, receive <c>n</c> back and check it.
/// </summary>
internal sealed class PingPongWorkload(Node self, NodeName server) : ILoadWorkload
{
    public int BatchSize => 1;

    public async Task<ILoadConnection> OpenAsync(int index, CancellationToken cancellationToken)
    {
        var ready = new TaskCompletionSource<ProcessContext>();
        var stop = new TaskCompletionSource();
        self.Spawn(async context =>
        {
            ready.SetResult(context);
            await stop.Task;
        });
        var context = await ready.Task;
        var echo = await self.SpawnAsync(server, "Process", "Echo", [], cancellationToken);
        return new Pair(context, echo, stop);
    }

    private sealed class Pair(ProcessContext context, Pid echo, TaskCompletionSource stop) : ILoadConnection
    {
        private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);
        private long _sequence;

        public async ValueTask<int> RunBatchAsync(CancellationToken cancellationToken)
        {
            var sent = ++_sequence;
            context.Send(echo, new object?[] { context.Self, sent });
            var back = await context.ReceiveAsync(s_timeout);
            return back is long n && n == sent ? 1 : throw new InvalidDataException($"expected {sent} back, got {back ?? "nil"}");
        }

        public ValueTask DisposeAsync()
        {
            context.Send(echo, "stop");
            stop.TrySetResult();
            return ValueTask.CompletedTask;
        }
    }
}

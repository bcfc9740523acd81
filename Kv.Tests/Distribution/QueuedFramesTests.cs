using System.Net;
using Kv.Distribution.Nodes;
using Kv.Distribution.Processes;
using Kv.Distribution.Terms;
using Kv.Tests.Support;

namespace Kv.Tests.Distribution;

/// <summary>
/// What a process sends to another node while the link to it is still being set up: sends, exit
/// signals, links and monitors return at once, wait in order, and take effect in that order once the
/// link is up. The set-up is held open by a directory that answers only when the test lets it.
/// </summary>
public sealed class QueuedFramesTests
{
    private const int Count = 2_000;

    /// <summary>
    /// How long the link's set-up, and the deliveries after it, may take. A quiet run takes well
    /// under a second per test; CI runs the suite's classes side by side on 2 cores, where twice in
    /// about 40 runs of the suite a delivery here did not come within 5 s (not reproduced alone, nor
    /// beside three busy loops, in 35 more runs).
    /// </summary>
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(15);

    /// <summary>How long calls that must not wait for the link may take, all together (generous, for a loaded machine).</summary>
    private static readonly TimeSpan s_prompt = TimeSpan.FromSeconds(1);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sends_WhileTheLinkIsBeingSetUp_ReturnAtOnce_AndArriveInOrder()
    {
        await using var nodes = new TestNodes();
        var (a, b, gate) = await StartGatedPairAsync(nodes);
        var received = new TaskCompletionSource<List<object?>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var recorder = b.Spawn(async context =>
        {
            var messages = new List<object?>();
            while (messages.Count < Count)
            {
                messages.Add(await context.ReceiveAsync(s_wait));
            }

            received.SetResult(messages);
        });
        var returned = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);

        a.Spawn(context =>
        {
            for (var i = 1L; i <= Count; i++)
            {
                context.Send(recorder, i);
            }

            returned.SetResult(gate.IsOpen);
            return Task.CompletedTask;
        });

        Assert.False(await WithinAsync(returned.Task, s_prompt, $"{Count} sends to return while the link is being set up"), "the sends returned only once the link could come up");
        await WithinAsync(gate.Asked, s_wait, "the sends to start setting up the link");
        gate.Open();
        Assert.Equal(Enumerable.Range(1, Count).Select(i => (object?)(long)i), await WithinAsync(received.Task, s_wait, "every message to arrive"));
    }

    [Fact]
    public async Task ExitSignal_AsTheOnlyContact_SetsUpTheLink_AndIsDelivered()
    {
        await using var nodes = new TestNodes();
        var (a, b, gate) = await StartGatedPairAsync(nodes);
        var received = new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var recorder = b.Spawn(async context =>
        {
            context.TrapExits = true;
            received.SetResult(await context.ReceiveAsync(s_wait));
        });
        var sender = new TaskCompletionSource<Pid>(TaskCreationOptions.RunContinuationsAsynchronously);

        a.Spawn(async context =>
        {
            context.Exit(recorder, new Atom("stop"));
            sender.SetResult(context.Self);
            await context.ReceiveAsync(s_wait);
        });

        var from = await WithinAsync(sender.Task, s_prompt, "an exit signal to return while the link is being set up");
        await WithinAsync(gate.Asked, s_prompt, "the exit signal to start setting up the link (not to be dropped for want of one)");
        gate.Open();
        Assert.Equal(new ExitMessage(from, new Atom("stop")), await WithinAsync(received.Task, s_wait, "the exit signal to arrive"));
    }

    [Fact]
    public async Task ExitSignal_AsTheFirstContact_IsDelivered_BeforeTheMessagesSentAfterIt()
    {
        await using var nodes = new TestNodes();
        var (a, b, gate) = await StartGatedPairAsync(nodes);
        var received = new TaskCompletionSource<List<object?>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var trapping = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var recorder = b.Spawn(async context =>
        {
            context.TrapExits = true;
            trapping.SetResult(true);
            var messages = new List<object?>();
            while (messages.Count < 101)
            {
                messages.Add(await context.ReceiveAsync(s_wait));
            }

            received.SetResult(messages);
        });
        var returned = new TaskCompletionSource<(Pid, bool)>(TaskCreationOptions.RunContinuationsAsynchronously);

        // The recorder's body runs when the pool gets to it: until it traps exits, the signal would
        // kill it (on a busy machine the link came up first, and the test waited out its 15 s).
        await WithinAsync(trapping.Task, s_wait, "the recorder to trap exits");
        a.Spawn(async context =>
        {
            context.Exit(recorder, new Atom("stop"));
            for (var i = 1L; i <= 100; i++)
            {
                context.Send(recorder, i);
            }

            returned.SetResult((context.Self, gate.IsOpen));

            // Stay alive: the signal is about a process that exists.
            await context.ReceiveAsync(s_wait);
        });

        var (sender, openWhenReturned) = await WithinAsync(returned.Task, s_prompt, "an exit signal and 100 sends to return while the link is being set up");
        Assert.False(openWhenReturned, "the exit signal and the sends returned only once the link could come up");
        await WithinAsync(gate.Asked, s_wait, "the exit signal to start setting up the link");
        gate.Open();
        var messages = await WithinAsync(received.Task, s_wait, "the exit signal and every message to arrive");
        Assert.Equal(new ExitMessage(sender, new Atom("stop")), messages[0]);
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (object?)(long)i), messages[1..]);
    }

    [Fact]
    public async Task LinkAndMonitor_AsTheFirstContact_AreInPlace_BeforeTheMessageSentAfterThem()
    {
        await using var nodes = new TestNodes();
        var (a, b, gate) = await StartGatedPairAsync(nodes);
        var target = b.Spawn(async context =>
        {
            await context.ReceiveAsync(m => m is "crash", s_wait);
            throw new InvalidOperationException("crashed when told");
        });
        var returned = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = new TaskCompletionSource<(Ref, object?, object?)>(TaskCreationOptions.RunContinuationsAsynchronously);

        a.Spawn(async context =>
        {
            context.TrapExits = true;
            context.Link(target);
            var monitor = context.Monitor(target);
            context.Send(target, "crash");
            returned.SetResult(gate.IsOpen);
            seen.SetResult((monitor, await context.ReceiveAsync(m => m is ExitMessage, s_wait), await context.ReceiveAsync(m => m is DownMessage, s_wait)));
        });

        Assert.False(await WithinAsync(returned.Task, s_prompt, "a link, a monitor and a send to return while the link is being set up"), "they returned only once the link could come up");
        await WithinAsync(gate.Asked, s_wait, "the link to start setting up the node's link");
        gate.Open();
        var (monitor, exitMessage, downMessage) = await WithinAsync(seen.Task, s_wait, "the crash to reach the link and the monitor");
        var exit = Assert.IsType<ExitMessage>(exitMessage);
        var down = Assert.IsType<DownMessage>(downMessage);
        Assert.Equal(target, exit.From);
        Assert.Contains("crashed when told", Exits.Describe(exit.Reason), StringComparison.Ordinal);
        Assert.Equal(monitor, down.Monitor);
        Assert.Contains("crashed when told", Exits.Describe(down.Reason), StringComparison.Ordinal);
    }

    /// <summary>Node a, which finds others only when the gate opens (and waits for it up to <see cref="s_wait"/>), and node b, which a can reach then.</summary>
    private static async Task<(Kv.Distribution.Node A, Kv.Distribution.Node B, GatedDirectory Gate)> StartGatedPairAsync(TestNodes nodes)
    {
        var gate = new GatedDirectory(nodes.Directory);
        var a = await nodes.StartAsync("a", directory: gate, handshakeTimeout: s_wait);
        var b = await nodes.StartAsync("b");
        return (a, b, gate);
    }

    private static async Task<T> WithinAsync<T>(Task<T> task, TimeSpan deadline, string what)
    {
        try
        {
            return await task.WaitAsync(deadline, Ct);
        }
        catch (TimeoutException timeout) when (!task.IsCompleted)
        {
            throw new TimeoutException($"{what}: not done within {deadline.TotalSeconds:0.0#} s.", timeout);
        }
    }

    /// <summary>
    /// Registers and finds nodes through another directory, but holds every look-up until
    /// <see cref="Open"/>: the link it is for stays "being set up" for as long as the test wants.
    /// </summary>
    private sealed class GatedDirectory(INodeDirectory inner) : INodeDirectory
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<bool> _asked = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Completes when a look-up first waits at the gate.</summary>
        public Task<bool> Asked => _asked.Task;

        public bool IsOpen => _gate.Task.IsCompleted;

        public void Open() => _gate.TrySetResult();

        public ValueTask<IAsyncDisposable> RegisterAsync(NodeName node, int port, CancellationToken cancellationToken) =>
            inner.RegisterAsync(node, port, cancellationToken);

        public async ValueTask<IPEndPoint?> ResolveAsync(NodeName node, CancellationToken cancellationToken)
        {
            _asked.TrySetResult(true);
            await _gate.Task.WaitAsync(cancellationToken);
            return await inner.ResolveAsync(node, cancellationToken);
        }
    }
}

using System.Net;
using Kv.Distribution;
using Kv.Distribution.Nodes;
using Kv.Distribution.PortMapper;
using Kv.Distribution.Processes;
using Kv.Distribution.Rpc;
using Kv.Distribution.Servers;
using Kv.Distribution.Terms;
using Kv.Tests.Support;

namespace Kv.Tests.Distribution;

/// <summary>
/// Connecting to a node whose port mapper is broken (silent, garbling or resetting): every way of
/// reaching that node ends, within the handshake timeout and a margin, with the node's "no
/// connection" failure of its kind, and never leaves a caller waiting.
/// </summary>
public sealed class ConnectFaultTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(PortMapperFault.Silent)]
    [InlineData(PortMapperFault.Garbage)]
    [InlineData(PortMapperFault.Reset)]
    public async Task Call_WithoutAToken_FailsWithNoConnection_NamingThePortMapper(PortMapperFault fault)
    {
        await using var portMapper = FaultyPortMapper.Start(fault);
        await using var nodes = new TestNodes();
        var node = await ConnectFaults.StartBehindAsync(nodes, portMapper);
        var ghost = nodes.NameOf("ghost");

        var failure = await Assert.ThrowsAsync<RpcException>(() => ConnectFaults.EndsWithinDeadlineAsync(
            () => node.CallAsync(ghost, "Kernel", "Node", []), "a call without a token"));

        Assert.Equal(RpcFailure.NoConnection, failure.Failure);
        Assert.Contains("port mapper", failure.Message, StringComparison.OrdinalIgnoreCase);
        await Eventually.TrueAsync(() => portMapper.Connections > 0, $"the node to have asked the {portMapper}");
    }

    [Theory]
    [InlineData(PortMapperFault.Silent)]
    [InlineData(PortMapperFault.Garbage)]
    [InlineData(PortMapperFault.Reset)]
    public async Task GenServerCall_ToANamedServerThere_ExitsWithNoConnection_LongBeforeItsTimeout(PortMapperFault fault)
    {
        await using var portMapper = FaultyPortMapper.Start(fault);
        await using var nodes = new TestNodes();
        var node = await ConnectFaults.StartBehindAsync(nodes, portMapper);

        // A timeout far past the deadline: only the failed connect can end the call in time.
        var exit = await Assert.ThrowsAsync<ExitException>(() => ConnectFaults.EndsWithinDeadlineAsync(
            () => GenServer.CallAsync(node, ServerRef.To("registry", nodes.NameOf("ghost")), "lookup", TimeSpan.FromSeconds(30)),
            "a call to a named server there"));

        Assert.Equal(Exits.NoConnection, exit.Reason);
    }

    [Theory]
    [InlineData(PortMapperFault.Silent)]
    [InlineData(PortMapperFault.Garbage)]
    [InlineData(PortMapperFault.Reset)]
    public async Task Link_FromAProcessThatTrapsExits_GetsAnExitMessageWithNoConnection(PortMapperFault fault)
    {
        await using var portMapper = FaultyPortMapper.Start(fault);
        await using var nodes = new TestNodes();
        var node = await ConnectFaults.StartBehindAsync(nodes, portMapper);
        var remote = await ConnectFaults.PidOnAsync(nodes.NameOf("ghost"));
        var received = new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously);

        node.Spawn(async context =>
        {
            context.TrapExits = true;
            context.Link(remote);
            received.SetResult(await context.ReceiveAsync(m => m is ExitMessage, ConnectFaults.Deadline));
        });

        var exit = Assert.IsType<ExitMessage>(await ConnectFaults.WithinDeadlineAsync(received.Task, "the exit message of the link"));
        Assert.Equal(remote, exit.From);
        Assert.Equal(Exits.NoConnection, exit.Reason);
    }

    [Theory]
    [InlineData(PortMapperFault.Silent)]
    [InlineData(PortMapperFault.Garbage)]
    [InlineData(PortMapperFault.Reset)]
    public async Task Monitor_GetsADownMessageWithNoConnection(PortMapperFault fault)
    {
        await using var portMapper = FaultyPortMapper.Start(fault);
        await using var nodes = new TestNodes();
        var node = await ConnectFaults.StartBehindAsync(nodes, portMapper);
        var remote = await ConnectFaults.PidOnAsync(nodes.NameOf("ghost"));
        var received = new TaskCompletionSource<(Ref, object?)>(TaskCreationOptions.RunContinuationsAsynchronously);

        node.Spawn(async context =>
        {
            var monitor = context.Monitor(remote);
            received.SetResult((monitor, await context.ReceiveAsync(m => m is DownMessage, ConnectFaults.Deadline)));
        });

        var (monitor, message) = await ConnectFaults.WithinDeadlineAsync(received.Task, "the down message of the monitor");
        var down = Assert.IsType<DownMessage>(message);
        Assert.Equal(monitor, down.Monitor);
        Assert.Equal(remote, down.Pid);
        Assert.Equal(Exits.NoConnection, down.Reason);
    }

    [Theory]
    [InlineData(PortMapperFault.Silent)]
    [InlineData(PortMapperFault.Garbage)]
    [InlineData(PortMapperFault.Reset)]
    public async Task Send_ReturnsAtOnce_AndNeverThrows(PortMapperFault fault)
    {
        await using var portMapper = FaultyPortMapper.Start(fault);
        await using var nodes = new TestNodes();
        var node = await ConnectFaults.StartBehindAsync(nodes, portMapper);
        var remote = await ConnectFaults.PidOnAsync(nodes.NameOf("ghost"));

        // Sends while the connect they start is under way, then once it has failed.
        await ConnectFaults.EndsWithinAsync(
            async () =>
            {
                for (var i = 0; i < 100; i++)
                {
                    node.Send(remote, i);
                    node.Send("registry", nodes.NameOf("ghost"), i);
                    await Task.Yield();
                }

                return true;
            },
            ConnectFaults.Prompt,
            "200 sends to a node that is being connected to");
        Assert.False(await ConnectFaults.EndsWithinDeadlineAsync(() => node.ConnectAsync(nodes.NameOf("ghost")), "the connect"));
        await ConnectFaults.EndsWithinAsync(
            async () =>
            {
                await Task.Yield();
                node.Send(remote, "after");
                node.Send("registry", nodes.NameOf("ghost"), "after");
                return true;
            },
            ConnectFaults.Prompt,
            "sends to a node that could not be reached");
        await Eventually.TrueAsync(() => portMapper.Connections > 0, $"the node to have asked the {portMapper}");
    }

    [Theory]
    [InlineData(PortMapperFault.Silent)]
    [InlineData(PortMapperFault.Garbage)]
    [InlineData(PortMapperFault.Reset)]
    public async Task ConnectAndPing_AnswerFalseAndPang_WithinTheDeadline(PortMapperFault fault)
    {
        await using var portMapper = FaultyPortMapper.Start(fault);
        await using var nodes = new TestNodes();
        var node = await ConnectFaults.StartBehindAsync(nodes, portMapper);
        var ghost = nodes.NameOf("ghost");

        Assert.False(await ConnectFaults.EndsWithinDeadlineAsync(() => node.ConnectAsync(ghost), "connect"));
        Assert.Equal(PingResult.Pang, await ConnectFaults.EndsWithinDeadlineAsync(() => node.PingAsync(ghost), "ping"));
    }
}

/// <summary>
/// Whether connects to an unreachable node hold thread-pool threads. It times a process against
/// the thread pool, so it runs alone (other tests' load would blur the timing), and it waits on a
/// thread of its own: when the pool is held, nothing that needs a pool thread can end the wait.
/// </summary>
[Collection(nameof(ThreadPoolTiming))]
public sealed class ConnectFaultThreadPoolTests
{
    /// <summary>Round trips a local ping-pong must make while the connects are under way: a few milliseconds' worth when nothing blocks.</summary>
    private const int RoundTrips = 200;

    /// <summary>How many processes send to and link to the unreachable node at once: far more than the thread pool's threads.</summary>
    private const int Senders = 200;

    /// <summary>Time for the ping-pong and for the sends: the connect itself takes longer (the port mapper never answers).</summary>
    private static readonly TimeSpan s_window = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task ConcurrentSendsAndLinks_ToANodeBehindASilentPortMapper_DoNotHoldThreadPoolThreads()
    {
        ThreadPool.GetMinThreads(out var minWorkers, out var minIo);
        var starved = false;
        try
        {
            await using var portMapper = FaultyPortMapper.Start(PortMapperFault.Silent);
            await using var nodes = new TestNodes();
            var node = await ConnectFaults.StartBehindAsync(nodes, portMapper);
            var remote = await ConnectFaults.PidOnAsync(nodes.NameOf("ghost"));
            using var allReturned = new ManualResetEventSlim();
            using var pingPongDone = new ManualResetEventSlim();
            var returned = 0;

            for (var i = 0; i < Senders; i++)
            {
                var n = i;
                node.Spawn(context =>
                {
                    context.TrapExits = true;
                    context.Send(remote, n);
                    context.Link(remote);
                    if (Interlocked.Increment(ref returned) == Senders)
                    {
                        allReturned.Set();
                    }

                    return Task.CompletedTask;
                });
            }

            // Started after the senders, these need pool threads as they did: they run, and keep
            // their pace, only if the senders' threads are free again.
            var ponger = node.Spawn(async context =>
            {
                while (await context.ReceiveAsync() is Pid from)
                {
                    context.Send(from, "pong");
                }
            });
            node.Spawn(async context =>
            {
                for (var i = 0; i < RoundTrips; i++)
                {
                    context.Send(ponger, context.Self);
                    await context.ReceiveAsync();
                }

                pingPongDone.Set();
            });

            var (pingPongInTime, sendsInTime) = await OnOwnThreadAsync(() => (pingPongDone.Wait(s_window), allReturned.Wait(s_window)));

            // The verdict is in. If the pool is held, let it grow at once, so that the node's
            // disposal (which needs pool threads too) does not wait for the pool to grow by itself.
            starved = !(pingPongInTime && sendsInTime);
            if (starved)
            {
                ThreadPool.SetMinThreads(minWorkers + Senders + 50, minIo);
            }

            Assert.True(pingPongInTime, $"A local ping-pong started right after {Senders} processes sent to and linked to an unreachable node did not make {RoundTrips} round trips within {s_window.TotalSeconds:0} s: connects hold thread-pool threads.");
            Assert.True(sendsInTime, $"Only {Volatile.Read(ref returned)} of {Senders} sends and links to an unreachable node returned within {s_window.TotalSeconds:0} s.");
            await Eventually.TrueAsync(() => portMapper.Connections > 0, $"the node to ask the {portMapper}");
        }
        finally
        {
            if (starved)
            {
                ThreadPool.SetMinThreads(minWorkers, minIo);
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="wait"/> on a new thread and completes with its result there, so that the
    /// awaiting test goes on on that thread: neither the wait nor its end needs a pool thread.
    /// </summary>
    private static Task<T> OnOwnThreadAsync<T>(Func<T> wait)
    {
        // No RunContinuationsAsynchronously: the continuation must not be queued to the pool.
        var result = new TaskCompletionSource<T>();
        new Thread(() => result.SetResult(wait())) { IsBackground = true, Name = "thread-pool watch" }.Start();
        return result.Task;
    }
}

/// <summary>Tests that time the thread pool run one at a time, with no other test beside them.</summary>
[CollectionDefinition(nameof(ThreadPoolTiming), DisableParallelization = true)]
public sealed class ThreadPoolTiming;

/// <summary>A node whose every connect goes through a faulty port mapper, and deadlines to hold it to.</summary>
internal static class ConnectFaults
{
    /// <summary>
    /// Longer than the port-mapper client's one-second failover window, so that the port mapper's own
    /// failure, not the connect's deadline, is what ends the look-up.
    /// </summary>
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(1.5);

    /// <summary>Every connect failure must be reported by now.</summary>
    public static readonly TimeSpan Deadline = HandshakeTimeout + TimeSpan.FromSeconds(2);

    /// <summary>What "at once" means for a call that must not wait for a connect (generous, for a loaded machine).</summary>
    public static readonly TimeSpan Prompt = TimeSpan.FromMilliseconds(500);

    private static readonly TimeSpan s_requestTimeout = TimeSpan.FromMilliseconds(100);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Starts a node that registers nowhere and finds every other node through <paramref name="portMapper"/>.</summary>
    public static Task<Node> StartBehindAsync(TestNodes nodes, FaultyPortMapper portMapper) => nodes.StartAsync(
        "behind",
        directory: new BehindPortMapper(new PortMapperDirectory(new PortMapperOptions { Port = portMapper.Port, RequestTimeout = s_requestTimeout }, nodes.LoggerFactory)),
        handshakeTimeout: HandshakeTimeout);

    /// <summary>
    /// A pid of a process of <paramref name="node"/>, a node that is gone: the one place these tests
    /// make a remote pid. A node of that name runs for a moment, apart from every other, and spawns
    /// a process; so the pid is right whatever a pid holds to name its node.
    /// </summary>
    public static async Task<Pid> PidOnAsync(NodeName node)
    {
        await using var gone = await Node.StartAsync(
            new NodeOptions
            {
                Name = node,
                Cookie = "secret",
                Directory = new StaticNodeDirectory(),
                ListenAddress = IPAddress.Loopback,
                Console = TextWriter.Null,
            },
            cancellationToken: Ct);
        return gone.Spawn(_ => Task.CompletedTask);
    }

    /// <summary>Awaits <paramref name="action"/> up to <see cref="Deadline"/>; see <see cref="EndsWithinAsync"/>.</summary>
    public static Task<T> EndsWithinDeadlineAsync<T>(Func<Task<T>> action, string what) => EndsWithinAsync(action, Deadline, what);

    /// <summary>
    /// Runs <paramref name="action"/> on the thread pool, so that even a call that blocks before it
    /// returns its task cannot hold the test, and gives its outcome; a <see cref="TimeoutException"/>
    /// saying what did not end when it has not ended within <paramref name="deadline"/>.
    /// </summary>
    public static Task<T> EndsWithinAsync<T>(Func<Task<T>> action, TimeSpan deadline, string what) =>
        WithinAsync(Task.Run(action, Ct), deadline, what);

    /// <summary>The outcome of <paramref name="task"/>, or a <see cref="TimeoutException"/> saying what did not happen by <see cref="Deadline"/>.</summary>
    public static Task<T> WithinDeadlineAsync<T>(Task<T> task, string what) => WithinAsync(task, Deadline, what);

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

    /// <summary>Registers nowhere (the faulty port mapper would not have it); resolves through the faulty port mapper.</summary>
    private sealed class BehindPortMapper(PortMapperDirectory portMapper) : INodeDirectory
    {
        public ValueTask<IAsyncDisposable> RegisterAsync(NodeName node, int port, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IAsyncDisposable>(new NoRegistration());

        public ValueTask<IPEndPoint?> ResolveAsync(NodeName node, CancellationToken cancellationToken) =>
            portMapper.ResolveAsync(node, cancellationToken);
    }

    private sealed class NoRegistration : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

using System.Net.Sockets;
using Kv.Distribution;
using Kv.Distribution.Rpc;
using Kv.Distribution.Terms;
using Kv.Tests.Support;

namespace Kv.Tests.Distribution;

/// <summary>
/// A link whose peer reads slower than the node writes (here: not at all, until the test lets it)
/// holds a bounded queue: past the busy mark, requests and <c>SendAsync</c> wait without holding a
/// thread; past the bound, messages sent without waiting are dropped; nothing grows without end.
/// </summary>
public sealed class BackPressureTests
{
    private const long BusyBytes = 64 * 1024;
    private const long MaxQueuedBytes = 1024 * 1024;
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);
    private static readonly byte[] s_kilobyte = new byte[1024];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SendsWithoutWaiting_ToAPeerThatDoesNotRead_StayWithinTheLinksBound()
    {
        await using var nodes = new TestNodes();
        var node = await nodes.StartAsync("sender", linkBusyBytes: BusyBytes, linkMaxQueuedBytes: MaxQueuedBytes);
        var (stuck, peer) = await StuckPeerAsync(nodes, node);
        using var _ = stuck;
        var to = new Pid(peer, 1, 7);

        // 32 MiB of messages, far more than the socket buffers and the bound together.
        long peak = 0;
        for (var i = 0; i < 32 * 1024; i++)
        {
            node.Send(to, s_kilobyte);
            peak = Math.Max(peak, QueuedBytes(node, peer));
        }

        Assert.True(peak <= MaxQueuedBytes + 2048, $"the link queued {peak} bytes, over its bound of {MaxQueuedBytes}");
        Assert.True(peak >= BusyBytes, $"the link never filled ({peak} bytes): the test did not exercise the bound");
    }

    [Fact]
    public async Task SendAsync_WaitsWhileTheLinkIsBusy_AndGoesOnOnceItDrains()
    {
        await using var nodes = new TestNodes();
        var node = await nodes.StartAsync("sender", linkBusyBytes: BusyBytes, linkMaxQueuedBytes: MaxQueuedBytes);
        var (stuck, peer) = await StuckPeerAsync(nodes, node);
        using var _ = stuck;
        var to = new Pid(peer, 1, 7);

        // Fill the link until a SendAsync has to wait.
        ValueTask waiting = default;
        for (var i = 0; i < 64 * 1024; i++)
        {
            waiting = node.SendAsync(to, s_kilobyte, Ct);
            if (!waiting.IsCompleted)
            {
                break;
            }
        }

        Assert.False(waiting.IsCompleted, "SendAsync never waited, though the peer reads nothing");
        var queued = QueuedBytes(node, peer);
        Assert.InRange(queued, BusyBytes, MaxQueuedBytes + 2048);

        // The peer reads: the link drains and the sender goes on.
        var reading = DrainAsync(stuck);
        await waiting.AsTask().WaitAsync(s_wait, Ct);
        await node.SendAsync(to, s_kilobyte, Ct).AsTask().WaitAsync(s_wait, Ct);
        GC.KeepAlive(reading);
    }

    [Fact]
    public async Task ACallOverABusyLink_EndsAtItsTimeout_WithoutHoldingAThread()
    {
        await using var nodes = new TestNodes();
        var node = await nodes.StartAsync("caller", linkBusyBytes: BusyBytes, linkMaxQueuedBytes: MaxQueuedBytes);
        var (stuck, peer) = await StuckPeerAsync(nodes, node);
        using var _ = stuck;
        var to = new Pid(peer, 1, 7);
        while (QueuedBytes(node, peer) <= BusyBytes)
        {
            node.Send(to, s_kilobyte);
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var error = await Assert.ThrowsAsync<RpcException>(() => node.CallAsync(peer, "Kernel", "Node", [], TimeSpan.FromMilliseconds(500), Ct)).WaitAsync(s_wait, Ct);

        Assert.Equal(RpcFailure.Timeout, error.Failure);
        Assert.InRange(System.Diagnostics.Stopwatch.GetElapsedTime(started), TimeSpan.FromMilliseconds(450), TimeSpan.FromSeconds(3));
    }

    /// <summary>A peer that passes the handshake and then reads nothing (until a test drains it): the kernel's buffers fill, then the link's queue.</summary>
    private static Task<(Socket Socket, Kv.Distribution.Nodes.NodeName Name)> StuckPeerAsync(TestNodes nodes, Node node) =>
        RawPeer.HandshakenAsync(nodes, node, Ct);

    private static long QueuedBytes(Node node, Kv.Distribution.Nodes.NodeName peer) =>
        node.Links.QueuedBytes().Where(m => Equals(m.Tags[0].Value, peer.ToString())).Sum(m => m.Value);

    private static async Task DrainAsync(Socket socket)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, Ct) > 0)
            {
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The test is over.
        }
    }
}

using System.Diagnostics;
using System.Net.Sockets;
using Kv.Distribution.Nodes;
using Kv.Distribution.Rpc;
using Kv.Tests.Support;

namespace Kv.Tests.Distribution;

/// <summary>
/// Ticks against a hand-written peer (<see cref="RawPeer"/>) that decides what the node hears: a
/// peer that goes silent is declared down within the window PROTOCOL.md documents (between 3/4 and
/// 5/4 of the tick time after its last frame), and one that only ticks stays up.
/// </summary>
public sealed class TickTimeoutTests
{
    private static readonly TimeSpan s_tickTime = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How late past 5/4 of the tick time the node may declare a silent link down and still pass. The
    /// node checks its links on a thread-pool timer every quarter of the tick time; on the 2-core VM
    /// that CI and the developers share with other test classes (node processes, builds), a timer
    /// callback or the test's own continuation runs up to a few hundred milliseconds late. Half a
    /// tick time covers that, and still fails a node that waits a whole extra tick time or more.
    /// </summary>
    private static readonly TimeSpan s_schedulingMargin = s_tickTime / 2;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SilentPeer_IsDeclaredDown_WithinTheTickWindow_AndItsPendingCallFailsWithNoConnection()
    {
        await using var nodes = new TestNodes();
        var node = await nodes.StartAsync("node", tickTime: s_tickTime);
        var (socket, silent) = await RawPeer.HandshakenAsync(nodes, node, Ct);
        using var _ = socket;
        var down = new TaskCompletionSource<(NodeEventArgs Event, long At)>(TaskCreationOptions.RunContinuationsAsynchronously);
        node.NodeDown += (_, e) => down.TrySetResult((e, Stopwatch.GetTimestamp()));

        // The peer's last frame: a tick. From here on it neither writes nor reads (the node's own
        // ticks and the call below pile up unread in its socket's buffer).
        await socket.SendAsync(RawPeer.Frame(), SocketFlags.None, Ct);
        var lastFrame = Stopwatch.GetTimestamp();
        var call = node.CallAsync(silent, "Kernel", "Node", [], timeout: TimeSpan.FromSeconds(30), cancellationToken: Ct);

        var (seen, at) = await down.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        // Measured from the write, which comes before the node's read: the lower bound cannot be
        // met early by a slow read, and the upper bound's margin covers how late the read was.
        var after = Stopwatch.GetElapsedTime(lastFrame, at);
        Assert.Equal(silent, seen.Node);
        Assert.InRange(after, s_tickTime * 3 / 4, (s_tickTime * 5 / 4) + s_schedulingMargin);
        Assert.Contains($"tick time {s_tickTime.TotalMilliseconds:0} ms", seen.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(silent, node.ConnectedNodes);

        var error = await Assert.ThrowsAsync<RpcException>(() => call);
        Assert.Equal(RpcFailure.NoConnection, error.Failure);
        Assert.Contains("tick time", error.Message, StringComparison.Ordinal);
        await nodes.Logs.WaitForAsync($"Link to {silent} silent for");
        await ExpectClosedAsync(socket);
    }

    [Fact]
    public async Task PeerThatOnlyTicks_StaysUp_ForSeveralTickTimes()
    {
        await using var nodes = new TestNodes();
        var node = await nodes.StartAsync("node", tickTime: s_tickTime);
        var (socket, ticking) = await RawPeer.HandshakenAsync(nodes, node, Ct);
        using var _ = socket;
        string? downReason = null;
        node.NodeDown += (_, e) => downReason ??= e.Reason;

        // What a node does on an idle link: an empty frame every quarter of the tick time, and
        // nothing else, for four tick times.
        using var quarter = new PeriodicTimer(s_tickTime / 4);
        for (var tick = 0; tick < 16; tick++)
        {
            await socket.SendAsync(RawPeer.Frame(), SocketFlags.None, Ct);
            await quarter.WaitForNextTickAsync(Ct);
            Assert.True(downReason is null, $"The link went down after {tick + 1} ticks: {downReason}");
        }

        Assert.Contains(ticking, node.ConnectedNodes);
    }

    private static async Task ExpectClosedAsync(Socket socket)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        var buffer = new byte[1024];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) > 0)
            {
                // Drain what the node wrote while the peer was not reading: its ticks and the call.
            }
        }
        catch (SocketException)
        {
            // A reset is a close too.
        }
    }
}

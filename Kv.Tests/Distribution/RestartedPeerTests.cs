using System.Net.Sockets;
using Kv.Distribution.Connections;
using Kv.Distribution.Processes;
using Kv.Distribution.Terms;
using Kv.Tests.Support;

namespace Kv.Tests.Distribution;

/// <summary>
/// A node that restarts under the same name while the other side still holds its old link: the new
/// incarnation is let in at once and the stale link is closed, as Erlang replaces it; the same
/// incarnation connecting twice is still told <c>alive</c>.
/// </summary>
public sealed class RestartedPeerTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(5);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ANewIncarnation_ReplacesTheStaleLink_AtOnce_AndMonitorsOfTheOldOneGetNoConnection()
    {
        await using var nodes = new TestNodes();
        var survivor = await nodes.StartAsync("survivor", tickTime: TimeSpan.FromSeconds(60));

        // The old incarnation: a link that looks up but whose peer says nothing more (killed, say).
        var (stale, name) = await RawPeer.HandshakenAsync(nodes, survivor, Ct);
        using var _ = stale;
        var oldPid = new Pid(name, 1, 7);
        var down = new TaskCompletionSource<DownMessage>();
        var monitoring = new TaskCompletionSource();
        survivor.Spawn(async context =>
        {
            var monitor = context.Monitor(oldPid);
            monitoring.SetResult();
            down.SetResult((DownMessage)(await context.ReceiveAsync(m => m is DownMessage d && d.Monitor == monitor, s_wait))!);
        });
        await monitoring.Task.WaitAsync(s_wait, Ct);

        // The new incarnation, under the same name (another creation).
        var restarted = await nodes.StartAsync("rogue");
        Assert.Equal(name, restarted.Name);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        Assert.True(await restarted.ConnectAsync(survivor.Name, Ct));
        Assert.True(System.Diagnostics.Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(2), "the new incarnation waited for the stale link to die");

        Assert.Equal(Exits.NoConnection, (await down.Task.WaitAsync(s_wait, Ct)).Reason);
        await ClosedAsync(stale).WaitAsync(s_wait, Ct);
        Assert.Equal(restarted.Name.ToString(), await survivor.CallAsync(restarted.Name, "Kernel", "Node", [], cancellationToken: Ct));
        Assert.Equal((long)restarted.Creation, await survivor.CallAsync(restarted.Name, "Kernel", "Creation", [], cancellationToken: Ct));
    }

    /// <summary>Reads what the survivor still sent on the stale link until it closes it.</summary>
    private static async Task ClosedAsync(Socket socket)
    {
        var buffer = new byte[4096];
        while (await socket.ReceiveAsync(buffer, SocketFlags.None, Ct) > 0)
        {
        }
    }

    [Fact]
    public async Task TheSameIncarnation_ConnectingAgain_IsToldAlive_AndItsLinkStays()
    {
        await using var nodes = new TestNodes();
        var target = await nodes.StartAsync("target");
        var (first, _) = await RawPeer.HandshakenAsync(nodes, target, Ct);
        using var firstLink = first;

        var error = await Assert.ThrowsAsync<HandshakeException>(() => RawPeer.HandshakenAsync(nodes, target, Ct));

        Assert.Equal(HandshakeFailure.AlreadyConnected, error.Failure);
        Assert.Single(target.ConnectedNodes);
    }
}

using System.Net.Sockets;
using Kv.Distribution.Connections;
using Kv.Tests.Support;

namespace Kv.Tests.Distribution;

/// <summary>
/// Before it authenticates, a peer holds a socket and a handshake: a node keeps at most
/// <see cref="ConnectionManager.MaxPendingHandshakes"/> of them, closes connections past that at
/// once, and every pending one ends within the handshake timeout, so a flood of silent connections
/// cannot hold the node.
/// </summary>
public sealed class PendingHandshakeTests
{
    private static readonly TimeSpan s_handshakeTimeout = TimeSpan.FromSeconds(1);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SilentConnections_PastTheLimit_AreClosedAtOnce_AndTheRestAtTheHandshakeTimeout()
    {
        await using var nodes = new TestNodes();
        var node = await nodes.StartAsync("target", handshakeTimeout: s_handshakeTimeout);
        var flood = ConnectionManager.MaxPendingHandshakes + 16;
        var sockets = new List<Socket>();
        try
        {
            for (var i = 0; i < flood; i++)
            {
                sockets.Add(await RawPeer.ConnectAsync(node, Ct));
            }

            // Well before the handshake timeout, the connections past the limit are closed.
            var closedEarly = await CountClosedAsync(sockets, TimeSpan.FromMilliseconds(500));
            Assert.True(closedEarly >= flood - ConnectionManager.MaxPendingHandshakes, $"{closedEarly} of {flood} silent connections were closed at once");
            Assert.True(closedEarly < flood, "every connection was closed at once: the limit let none wait for its handshake");

            // The rest end at the handshake timeout, and a real node gets in afterwards.
            Assert.Equal(flood, await CountClosedAsync(sockets, s_handshakeTimeout * 3));
            var other = await nodes.StartAsync("other");
            Assert.True(await other.ConnectAsync(node.Name, Ct));
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }
    }

    /// <summary>How many of <paramref name="sockets"/> the node has closed (a read gives 0 or fails) within <paramref name="within"/>.</summary>
    private static async Task<int> CountClosedAsync(List<Socket> sockets, TimeSpan within)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(within);
        var reads = sockets.Select(async socket =>
        {
            try
            {
                return await socket.ReceiveAsync(new byte[16], SocketFlags.None, deadline.Token) == 0;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
            catch (SocketException)
            {
                return true;
            }
        });
        return (await Task.WhenAll(reads)).Count(closed => closed);
    }
}

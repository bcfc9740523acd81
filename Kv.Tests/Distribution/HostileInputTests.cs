using System.Buffers.Binary;
using System.Net.Sockets;
using Kv.Distribution;
using Kv.Tests.Support;

namespace Kv.Tests.Distribution;

/// <summary>
/// Bytes no well-behaved node sends: each closes that connection only, is logged with its reason,
/// and the node keeps serving everyone else.
/// </summary>
public sealed class HostileInputTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task GarbageBytes_BeforeTheHandshake_CloseThatConnectionOnly()
    {
        await using var nodes = new TestNodes();
        var (target, witness) = await TwoNodesAsync(nodes);
        using var socket = await RawPeer.ConnectAsync(target, Ct);
        var garbage = new byte[512];
        new Random(7).NextBytes(garbage);
        garbage[0] = 0x01; // a plausible 2-byte length, then nonsense

        await socket.SendAsync(garbage, SocketFlags.None, Ct);

        await ExpectClosedAsync(socket);
        await nodes.Logs.WaitForAsync("refused at RecvName");
        await StillServesAsync(witness, target);
    }

    [Fact]
    public async Task OversizedHandshakeMessage_IsRefused()
    {
        await using var nodes = new TestNodes();
        var (target, witness) = await TwoNodesAsync(nodes);
        using var socket = await RawPeer.ConnectAsync(target, Ct);

        await socket.SendAsync(new byte[] { 0xFF, 0xFF, 1, 2, 3 }, SocketFlags.None, Ct);

        await ExpectClosedAsync(socket);
        await nodes.Logs.WaitForAsync("a handshake message of 65535 bytes");
        await StillServesAsync(witness, target);
    }

    [Fact]
    public async Task HandshakeLeftHalfWay_TimesOut()
    {
        await using var nodes = new TestNodes();
        var (target, witness) = await TwoNodesAsync(nodes);
        using var socket = await RawPeer.ConnectAsync(target, Ct);

        await socket.SendAsync(new byte[] { 0x00, 0x20 }, SocketFlags.None, Ct);

        await ExpectClosedAsync(socket);
        await nodes.Logs.WaitForAsync("refused at RecvName: Handshake failed at RecvName: Timeout");
        await StillServesAsync(witness, target);
    }

    [Fact]
    public async Task OversizedFrame_AfterTheHandshake_ClosesTheLink()
    {
        await using var nodes = new TestNodes();
        var (target, witness) = await TwoNodesAsync(nodes);
        var (socket, _) = await RawPeer.HandshakenAsync(nodes, target, Ct);
        using var __ = socket;
        var prefix = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(prefix, 0x7FFF_FFFF);

        await socket.SendAsync(prefix, SocketFlags.None, Ct);

        await ExpectClosedAsync(socket);
        await nodes.Logs.WaitForAsync("over the maximum");
        await StillServesAsync(witness, target);
    }

    [Fact]
    public async Task UnknownControlMessage_ClosesTheLink()
    {
        await using var nodes = new TestNodes();
        var (target, witness) = await TwoNodesAsync(nodes);
        var (socket, _) = await RawPeer.HandshakenAsync(nodes, target, Ct);
        using var __ = socket;

        // [0x92 = array of 2][0x63 = tag 99][0xC0 = nil]
        await socket.SendAsync(RawPeer.Frame(0x92, 0x63, 0xC0), SocketFlags.None, Ct);

        await ExpectClosedAsync(socket);
        await nodes.Logs.WaitForAsync("unknown control message 99");
        await StillServesAsync(witness, target);
    }

    [Fact]
    public async Task MalformedFrameBody_ClosesTheLink()
    {
        await using var nodes = new TestNodes();
        var (target, witness) = await TwoNodesAsync(nodes);
        var (socket, _) = await RawPeer.HandshakenAsync(nodes, target, Ct);
        using var __ = socket;

        // An RpcCall whose args claim 1000 elements that are not there.
        await socket.SendAsync(RawPeer.Frame(0x96, 0x01, 0x01, 0xA1, (byte)'M', 0xA1, (byte)'F', 0xDC, 0x03, 0xE8), SocketFlags.None, Ct);

        await ExpectClosedAsync(socket);
        await nodes.Logs.WaitForAsync("a malformed frame");
        await StillServesAsync(witness, target);
    }

    [Fact]
    public async Task PeerClosingMidFrame_IsLogged_AndTheNodeGoesOn()
    {
        await using var nodes = new TestNodes();
        var (target, witness) = await TwoNodesAsync(nodes);
        var (socket, peer) = await RawPeer.HandshakenAsync(nodes, target, Ct);

        await socket.SendAsync(new byte[] { 0, 0, 0, 100, 0x95, 0x01 }, SocketFlags.None, Ct);
        socket.Shutdown(SocketShutdown.Send);

        await nodes.Logs.WaitForAsync($"Link to {peer} down: closed by the peer in the middle of a frame");
        socket.Dispose();
        await StillServesAsync(witness, target);
    }

    private static async Task<(Node Target, Node Witness)> TwoNodesAsync(TestNodes nodes) =>
        (await nodes.StartAsync("target"), await nodes.StartAsync("witness"));

    private static async Task StillServesAsync(Node witness, Node target) =>
        Assert.Equal(target.Name.ToString(), await witness.CallAsync(target.Name, "Kernel", "Node", [], cancellationToken: Ct));

    private static async Task ExpectClosedAsync(Socket socket)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        var buffer = new byte[1024];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) > 0)
            {
                // Drain whatever the node said before closing (a status message, say).
            }
        }
        catch (SocketException)
        {
            // A reset is a close too.
        }
    }
}

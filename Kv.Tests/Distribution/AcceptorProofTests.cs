using Kv.Distribution.Rpc;
using Kv.Tests.Support;

namespace Kv.Tests.Distribution;

/// <summary>
/// The initiator's side of the cookie check (PROTOCOL.md, SendChallengeAck): a node that connects
/// believes the acceptor only when the acceptor proves the same cookie over the node's own challenge.
/// The acceptor is <see cref="RawAcceptor"/>, written by hand from the protocol.
/// </summary>
public sealed class AcceptorProofTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(5);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // The control: the raw acceptor speaks the handshake well enough to be linked when its proof is right.
    [Fact]
    public async Task AcceptorProvingTheSameCookie_IsLinked()
    {
        await using var nodes = new TestNodes();
        var node = await nodes.StartAsync("node", cookie: "secret");
        await using var acceptor = RawAcceptor.Start(nodes, "acceptor", RawAcceptor.Proving("secret"));

        Assert.True(await node.ConnectAsync(acceptor.Name, Ct));

        Assert.Contains(acceptor.Name, node.ConnectedNodes);
    }

    [Fact]
    public async Task AcceptorProvingAnotherCookie_IsRefusedAtRecvChallengeAck_AndNeverComesUp()
    {
        await using var nodes = new TestNodes();
        var node = await nodes.StartAsync("node", cookie: "secret");
        await using var acceptor = RawAcceptor.Start(nodes, "acceptor", RawAcceptor.Proving("another-cookie"));
        var ups = 0;
        node.NodeUp += (_, _) => Interlocked.Increment(ref ups);

        Assert.False(await node.ConnectAsync(acceptor.Name, Ct));
        var error = await Assert.ThrowsAsync<RpcException>(() => node.CallAsync(acceptor.Name, "Kernel", "Node", [], cancellationToken: Ct));

        Assert.Equal(RpcFailure.NoConnection, error.Failure);
        Assert.Contains("failed at RecvChallengeAck: BadCookie", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{acceptor.Name} proved a different cookie", error.Message, StringComparison.Ordinal);
        await nodes.Logs.WaitForAsync($"Handshake with {acceptor.Name} refused at RecvChallengeAck: Handshake failed at RecvChallengeAck: BadCookie");

        // The acceptor saw the node get as far as its ack, then close the connection without a frame.
        var first = await acceptor.Outcomes.ReadAsync(Ct).AsTask().WaitAsync(s_wait, Ct);
        Assert.Equal(new RawAcceptorOutcome(node.Name.ToString(), AckSent: true, BytesAfterAck: 0, ClosedByInitiator: true, Error: null), first);
        Assert.Equal(0, Volatile.Read(ref ups));
        Assert.Empty(node.ConnectedNodes);
    }
}

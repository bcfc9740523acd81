using System.Net.Security;
using System.Security.Authentication;
using Kv.Distribution.Connections;
using Kv.Distribution.Nodes;
using Kv.Distribution.Rpc;
using Kv.Distribution.Tls;
using Kv.Tests.Support;

namespace Kv.Tests.Distribution;

/// <summary>
/// TLS links (<see cref="LinkTls"/>): nodes of one CA link and talk; a plaintext peer, a peer of
/// another CA, and a certificate that does not name its node are refused, each side saying why.
/// Certificates are made by the documented script; test nodes are on localhost, whose host
/// certificate (subject alternative name <c>localhost</c>) names them all.
/// </summary>
public sealed class TlsLinkTests
{
    private const string LocalHost = "cluster@localhost";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task NodesOfOneCa_LinkOverTls_AndCallEachOther()
    {
        using var certificates = await ClusterCertificates.MakeAsync(LocalHost);
        await using var nodes = new TestNodes();
        var foo = await nodes.StartAsync("foo", tls: certificates.For(LocalHost));
        var bar = await nodes.StartAsync("bar", tls: certificates.For(LocalHost));

        Assert.Equal(bar.Name.ToString(), await foo.CallAsync(bar.Name, "Kernel", "Node", [], cancellationToken: Ct));
        Assert.Equal(foo.Name.ToString(), await bar.CallAsync(foo.Name, "Kernel", "Node", [], cancellationToken: Ct));
        Assert.Contains(bar.Name, foo.ConnectedNodes);
    }

    [Fact]
    public async Task PlaintextNode_ConnectingToTlsNode_IsRefused_AndBothSidesSayWhy()
    {
        using var certificates = await ClusterCertificates.MakeAsync(LocalHost);
        await using var nodes = new TestNodes();
        var secure = await nodes.StartAsync("secure", tls: certificates.For(LocalHost));
        var plain = await nodes.StartAsync("plain");

        var error = await Assert.ThrowsAsync<RpcException>(() => plain.CallAsync(secure.Name, "Kernel", "Node", [], cancellationToken: Ct));

        Assert.Equal(RpcFailure.NoConnection, error.Failure);
        Assert.Contains("the peer requires TLS on its links, and this node runs without TLS", error.Message, StringComparison.Ordinal);
        await nodes.Logs.WaitForAsync("refused at Tls: Handshake failed at Tls: TlsMismatch (a peer without TLS: this node requires TLS on its links");
        Assert.Empty(secure.ConnectedNodes);
    }

    [Fact]
    public async Task TlsNode_ConnectingToPlaintextNode_IsRefused_AndBothSidesSayWhy()
    {
        using var certificates = await ClusterCertificates.MakeAsync(LocalHost);
        await using var nodes = new TestNodes();
        var secure = await nodes.StartAsync("secure", tls: certificates.For(LocalHost));
        var plain = await nodes.StartAsync("plain");

        var error = await Assert.ThrowsAsync<RpcException>(() => secure.CallAsync(plain.Name, "Kernel", "Node", [], cancellationToken: Ct));

        Assert.Equal(RpcFailure.NoConnection, error.Failure);
        Assert.Contains($"{plain.Name} answered in plaintext: it runs without TLS on its links", error.Message, StringComparison.Ordinal);
        await nodes.Logs.WaitForAsync("TlsMismatch (the peer opened TLS: it requires TLS on its links, and this node runs without TLS)");
        Assert.Empty(plain.ConnectedNodes);
    }

    [Fact]
    public async Task CertificateOfAnotherCa_IsRefused_InBothDirections()
    {
        using var ours = await ClusterCertificates.MakeAsync(LocalHost);
        using var theirs = await ClusterCertificates.MakeAsync(LocalHost);
        await using var nodes = new TestNodes();
        var member = await nodes.StartAsync("member", tls: ours.For(LocalHost));
        var stranger = await nodes.StartAsync("stranger", tls: theirs.For(LocalHost));

        var outward = await Assert.ThrowsAsync<RpcException>(() => member.CallAsync(stranger.Name, "Kernel", "Node", [], cancellationToken: Ct));
        var inward = await Assert.ThrowsAsync<RpcException>(() => stranger.CallAsync(member.Name, "Kernel", "Node", [], cancellationToken: Ct));

        // Each side, as the initiator, refuses the acceptor's certificate, which it sees first.
        Assert.Contains($"refused the certificate of {stranger.Name}: CN=cluster@localhost is not signed by the cluster's CA", outward.Message, StringComparison.Ordinal);
        Assert.Contains($"refused the certificate of {member.Name}: CN=cluster@localhost is not signed by the cluster's CA", inward.Message, StringComparison.Ordinal);
        // Each side, as the acceptor, refuses the initiator's certificate, or sees it refuse the channel.
        await nodes.Logs.WaitForAsync(
            entry => entry.Message.StartsWith("Handshake with 127.0.0.1:", StringComparison.Ordinal)
                && entry.Message.Contains("refused at Tls: Handshake failed at Tls: Certificate (", StringComparison.Ordinal),
            "the acceptor's refusal");
        Assert.Empty(member.ConnectedNodes);
        Assert.Empty(stranger.ConnectedNodes);
    }

    [Fact]
    public async Task PeerWhoseCertificateDoesNotNameIt_IsRefusedByTheAcceptor()
    {
        using var certificates = await ClusterCertificates.MakeAsync(LocalHost, "foo@elsewhere");
        await using var nodes = new TestNodes();
        var acceptor = await nodes.StartAsync("acceptor", tls: certificates.For(LocalHost));

        // A client of the cluster's CA, whose certificate names foo@elsewhere, says it is mallory@localhost.
        using var socket = await RawPeer.ConnectAsync(acceptor, Ct);
        await using var tls = new SslStream(new System.Net.Sockets.NetworkStream(socket, ownsSocket: false));
        var impostor = certificates.For("foo@elsewhere");
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            EnabledSslProtocols = SslProtocols.Tls13,
            ClientCertificateContext = SslStreamCertificateContext.Create(impostor.Certificate, null),
            CertificateChainPolicy = new System.Security.Cryptography.X509Certificates.X509ChainPolicy
            {
                TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust,
                CustomTrustStore = { impostor.Authority[0] },
                RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
            },
        }, Ct);
        var mallory = nodes.NameOf("mallory");
        var handshake = new Handshake(new HandshakeChannel(tls, TimeSpan.FromSeconds(2)), new HandshakeIdentity(mallory, 1, false, "secret"));

        var refused = await Assert.ThrowsAsync<HandshakeException>(() => handshake.InitiateAsync(acceptor.Name, Ct));

        Assert.Equal(HandshakeFailure.NotAllowed, refused.Failure);
        await nodes.Logs.WaitForAsync($"Certificate (its certificate (CN=foo@elsewhere) does not name {mallory}, the node it says it is)");
        Assert.DoesNotContain(mallory, acceptor.ConnectedNodes);
    }

    [Fact]
    public async Task NodeWhoseCertificateDoesNotNameIt_DoesNotStart()
    {
        using var certificates = await ClusterCertificates.MakeAsync("foo@elsewhere");
        await using var nodes = new TestNodes();

        var error = await Assert.ThrowsAsync<LinkTlsException>(() => nodes.StartAsync("foo", tls: certificates.For("foo@elsewhere")));

        Assert.Contains($"does not name {nodes.NameOf("foo")}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Loading_ACertificateOfAnotherCa_OrAMissingFile_NamesTheFileAndTheFault()
    {
        using var ours = await ClusterCertificates.MakeAsync(LocalHost);
        using var theirs = await ClusterCertificates.MakeAsync(LocalHost);

        var foreign = Assert.Throws<LinkTlsException>(() => theirs.For(LocalHost, authority: ours));
        var missing = Assert.Throws<LinkTlsException>(() => LinkTls.Load(ours.CertificatePath(LocalHost), ours.KeyPath(LocalHost), "/nonexistent/ca.pem"));

        Assert.Contains($"{theirs.CertificatePath(LocalHost)} is not usable with the CA in {ours.AuthorityPath}: CN=cluster@localhost: not signed by the cluster's CA", foreign.Message, StringComparison.Ordinal);
        Assert.Contains("cannot read the CA certificate from /nonexistent/ca.pem", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pkcs12Bundle_WithItsPassword_IsAsGoodAsPemFiles()
    {
        using var certificates = await ClusterCertificates.MakeAsync(LocalHost);
        var bundle = Path.Combine(certificates.Directory, "node.p12");
        using (var openssl = System.Diagnostics.Process.Start("openssl", ["pkcs12", "-export", "-in", certificates.CertificatePath(LocalHost), "-inkey", certificates.KeyPath(LocalHost), "-out", bundle, "-passout", "pass:s3cret"]))
        {
            await openssl.WaitForExitAsync(Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);
            Assert.Equal(0, openssl.ExitCode);
        }

        await using var nodes = new TestNodes();
        var foo = await nodes.StartAsync("foo", tls: LinkTls.Load(bundle, keyPath: null, certificates.AuthorityPath, "s3cret"));
        var bar = await nodes.StartAsync("bar", tls: certificates.For(LocalHost));

        Assert.Equal(bar.Name.ToString(), await foo.CallAsync(bar.Name, "Kernel", "Node", [], cancellationToken: Ct));
        Assert.Throws<LinkTlsException>(() => LinkTls.Load(bundle, keyPath: null, certificates.AuthorityPath, "wrong"));
    }

    [Fact]
    public void Names_AcceptsTheFullNodeNameOrItsHost_AndNothingElse()
    {
        using var key = System.Security.Cryptography.ECDsa.Create();
        using var byName = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=foo@alpha", key, System.Security.Cryptography.HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));

        Assert.True(LinkTls.Names(byName, NodeName.Parse("foo@alpha")));
        Assert.False(LinkTls.Names(byName, NodeName.Parse("bar@alpha")));
        Assert.False(LinkTls.Names(byName, NodeName.Parse("foo@beta")));
    }
}

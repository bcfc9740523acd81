using Kv.Tests.Support;

namespace Kv.Tests.Server;

/// <summary>
/// A cluster of node processes started with <c>--tls DIR</c> (certificates made by
/// <c>scripts/make-certs.sh</c>): it routes and runs rpc over TLS links, and a node started without
/// TLS, or with a certificate of another CA, cannot join it.
/// </summary>
[Trait("distributed", "true")]
public sealed class TlsClusterTests : ClusterTestBase
{
    private static readonly TimeSpan s_exit = TimeSpan.FromSeconds(20);

    [DistributedFact]
    public async Task TlsNodes_RouteBucketsAndRunRpc_AndANodeWithoutTlsIsKeptOut()
    {
        var (foo, bar, baz, outsider) = (Cluster.NameOf("foo").Name, Cluster.NameOf("bar").Name, Cluster.NameOf("baz").Name, Cluster.NameOf("outsider").Name);
        using var certificates = await ClusterCertificates.MakeAsync(foo, bar, baz);
        var nodes = Cluster.WriteNodesFile();
        var (fooName, fooProcess, fooServer) = await Cluster.StartServingNodeAsync("foo", extra: ["--nodes", nodes, "--tls", certificates.Directory]);
        await fooProcess.WaitForLineAsync(new System.Text.RegularExpressions.Regex($@"StartupBanner\[11\] links: TLS 1\.3, this node's certificate CN={System.Text.RegularExpressions.Regex.Escape(fooName.ToString())}, peers' checked against CN=kv cluster CA; then the cookie$"));
        await Cluster.StartServingNodeAsync("bar", extra: ["--nodes", nodes, "--tls", certificates.Directory]);
        await using var client = await TextClient.ConnectAsync(fooServer);

        // "shopping" lives on bar: foo routes it over the TLS link.
        Assert.Equal("OK", await client.CommandAsync("CREATE shopping"));
        Assert.Equal("OK", await client.CommandAsync("PUT shopping eggs 3"));
        Assert.Equal("3", await client.CommandAsync("GET shopping eggs"));
        Assert.Equal("OK", await client.ReadLineAsync());

        // A third TLS node runs rpc on bar; a node without TLS cannot reach it.
        var member = Cluster.StartProcess("baz", NodeCluster.CookieValue, ["--tls", certificates.Directory, "--eval", $"rpc {bar} Kernel.Node"]);
        Assert.Equal(0, await member.WaitForExitAsync(s_exit));
        Assert.Contains($"\"{Cluster.NameOf("bar")}", member.Output, StringComparison.Ordinal);

        var plain = Cluster.StartProcess("outsider", NodeCluster.CookieValue, ["--eval", $"rpc {bar} Kernel.Node"]);
        Assert.Equal(1, await plain.WaitForExitAsync(s_exit));
        Assert.Contains("the peer requires TLS on its links, and this node runs without TLS", plain.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(outsider, member.Output, StringComparison.Ordinal);
    }

    [DistributedFact]
    public async Task NodeWithACertificateOfAnotherCa_CannotReachTheCluster()
    {
        var (bar, stranger) = (Cluster.NameOf("bar").Name, Cluster.NameOf("stranger").Name);
        using var cluster = await ClusterCertificates.MakeAsync(bar);
        using var other = await ClusterCertificates.MakeAsync(stranger);
        await Cluster.StartServingNodeAsync("bar", extra: ["--tls", cluster.Directory]);

        var foreign = Cluster.StartProcess("stranger", NodeCluster.CookieValue, ["--tls", other.Directory, "--eval", $"rpc {bar} Kernel.Node"]);

        Assert.Equal(1, await foreign.WaitForExitAsync(s_exit));
        Assert.Contains("is not signed by the cluster's CA", foreign.Output, StringComparison.Ordinal);
    }

    [DistributedFact]
    public async Task TlsWithoutACertificateForThisNode_StopsTheNodeInOneLine()
    {
        using var certificates = await ClusterCertificates.MakeAsync(Cluster.NameOf("foo").Name);

        var process = Cluster.StartProcess("nocert", NodeCluster.CookieValue, ["--tls", certificates.Directory, "--eval", "node"]);

        Assert.Equal(2, await process.WaitForExitAsync(s_exit));
        Assert.Contains($"kv: TLS: {certificates.Directory} holds no certificate for {Cluster.NameOf("nocert")}", process.Output, StringComparison.Ordinal);
    }
}

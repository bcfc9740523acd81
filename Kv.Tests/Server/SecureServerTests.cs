using System.Net;
using Kv.Tests.Support;

namespace Kv.Tests.Server;

/// <summary>
/// The switches of issue 14 in real node processes: a password from the environment, and the bucket
/// limit of the owner answered to a client of another node (a CREATE routed as <c>KV.Router.Execute</c>).
/// </summary>
[Trait("distributed", "true")]
public sealed class SecureServerTests : ClusterTestBase
{
    [Fact]
    public async Task KvRequirePass_FromTheEnvironment_GuardsEveryCommand()
    {
        await using var node = NodeProcess.Start(new Dictionary<string, string> { ["KV_REQUIREPASS"] = "s3cret" }, "--port", "0", "--bind", "127.0.0.1");
        var port = await node.WaitForListeningPortAsync();
        await using var client = await TextClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));

        await client.SendAsync("CREATE a\r\nAUTH wrong\r\nAUTH s3cret\r\nCREATE a\r\n");

        await client.ExpectBytesAsync("ERROR NOAUTH authentication required\r\nERROR invalid password\r\nOK\r\nOK\r\n");
    }

    [Fact]
    public async Task RequirePass_WithWhiteSpace_IsRefusedAtStart()
    {
        await using var node = NodeProcess.Start("--port", "0", "--bind", "127.0.0.1", "--requirepass", "two words");

        Assert.Equal(2, await node.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    [DistributedFact]
    public async Task ARoutedCreate_PastTheOwnersLimit_IsTooManyBuckets()
    {
        var nodes = Cluster.WriteNodesFile();
        var (_, _, foo) = await Cluster.StartServingNodeAsync("foo", extra: ["--nodes", nodes]);
        await Cluster.StartServingNodeAsync("bar", extra: ["--nodes", nodes, "--max-buckets", "1"]);
        await using var client = await TextClient.ConnectAsync(foo);

        // n-z live on bar, which holds one bucket; a-m on foo, which holds the default.
        Assert.Equal("OK", await client.CommandAsync("CREATE shopping"));
        Assert.Equal("ERROR too many buckets", await client.CommandAsync("CREATE travel"));
        Assert.Equal("OK", await client.CommandAsync("CREATE shopping"));
        Assert.Equal("OK", await client.CommandAsync("CREATE apples"));
        Assert.Equal("OK", await client.CommandAsync("CREATE bananas"));
    }
}

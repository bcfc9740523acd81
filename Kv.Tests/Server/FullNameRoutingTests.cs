using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Kv.Distribution.Nodes;
using Kv.Tests.Support;

namespace Kv.Tests.Server;

/// <summary>
/// Nodes named in full (<c>--name foo@127.0.0.1</c>) with a table that names them so, the log line of
/// a routed command that fails, and a link refused because a name was spelled otherwise. Real node processes.
/// </summary>
[Trait("distributed", "true")]
public sealed class FullNameRoutingTests : ClusterTestBase
{
    [DistributedFact]
    public async Task FullNamesWithExplicitHosts_InTheTable_RouteBothWays()
    {
        // bar is reached at the address the file gives it, a host name, rather than through the port mapper.
        var (foo, bar) = ($"{Cluster.NameOf("foo").Name}@127.0.0.1", $"{Cluster.NameOf("bar").Name}@127.0.0.1");
        var barPort = NodeCluster.FreePort().ToString(CultureInfo.InvariantCulture);
        var path = await WriteTableAsync(foo, bar, $"localhost:{barPort}");
        try
        {
            var fooNode = Cluster.StartProcess(["--name", foo, "--cookie", NodeCluster.CookieValue, "--nodes", path, "--port", "0", "--bind", "127.0.0.1"]);
            var barNode = Cluster.StartProcess(["--name", bar, "--cookie", NodeCluster.CookieValue, "--nodes", path, "--port", "0", "--bind", "127.0.0.1", "--dist-port", barPort]);
            await using var onFoo = await TextClient.ConnectAsync(await ServerOf(fooNode));
            await using var onBar = await TextClient.ConnectAsync(await ServerOf(barNode));

            // foo to bar: "zebras" lives on bar, which serves it as its own.
            Assert.Equal("OK", await onFoo.CommandAsync("CREATE zebras"));
            Assert.Equal("OK", await onFoo.CommandAsync("PUT zebras stripes 1"));
            await onBar.SendAsync("GET zebras stripes\r\n");
            await onBar.ExpectBytesAsync("1\r\nOK\r\n");

            // bar to foo: "apples" lives on foo.
            Assert.Equal("OK", await onBar.CommandAsync("CREATE apples"));
            Assert.Equal("OK", await onBar.CommandAsync("PUT apples red 2"));
            await onFoo.SendAsync("GET apples red\r\n");
            await onFoo.ExpectBytesAsync("2\r\nOK\r\n");

            // Each node knows itself in the table.
            await fooNode.WaitForLineAsync(new Regex(@"StartupBanner\[8\] this node owns a\.\.m$"));
            await barNode.WaitForLineAsync(new Regex(@"StartupBanner\[8\] this node owns n\.\.z$"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [DistributedFact]
    public async Task ARoutedCommandThatFails_LogsWhy_AtMostOnceASecond()
    {
        var path = Cluster.WriteNodesFile();
        var (_, foo, server) = await Cluster.StartServingNodeAsync("foo", extra: ["--nodes", path]);
        await using var client = await TextClient.ConnectAsync(server);

        // bar was never started: its buckets cannot be reached.
        await client.SendAsync("CREATE zebras\r\nCREATE zebras\r\nCREATE zebras\r\n");
        await client.ExpectBytesAsync("ERROR\r\nERROR\r\nERROR\r\n");

        var warning = await foo.WaitForLineAsync(new Regex(@"^warn: Kv\.Server\.Tcp\.KvTcpServer\[18\] Create command answered ERROR: (?<why>.*)$"));
        Assert.Contains($"{Cluster.NameOf("bar")}", warning.Groups["why"].Value, StringComparison.Ordinal);
        Assert.Single(foo.Output.Split('\n'), line => line.Contains("KvTcpServer[18]", StringComparison.Ordinal));
    }

    [DistributedFact]
    public async Task ALinkToANameSpelledOtherwise_IsRefused_NamingTheNameExpectedAndTheNameMet()
    {
        var (foo, _) = await Cluster.StartNodeAsync("foo");
        var otherwise = NodeName.Parse($"{foo.Name}@localhost");

        // Not linked yet: the node there introduces itself as foo@<host>.
        Assert.Equal(PingResult.Pang, await Cluster.Self.PingAsync(otherwise, Ct));
        await Logs.WaitForAsync($"expected {otherwise}, met {foo}");

        // Linked: the node there only answers that it is linked to this node already.
        Assert.Equal(PingResult.Pong, await Cluster.Self.PingAsync(foo, Ct));

        // The ping's pong can arrive before foo has registered its side of the link: a call that
        // foo answers over the link is proof that it has.
        var linked = (object?[])(await Cluster.Self.CallAsync(foo, "Kernel", "Nodes", [], cancellationToken: Ct))!;
        Assert.Contains(Cluster.Self.Name.ToString(), linked);
        Assert.Equal(PingResult.Pang, await Cluster.Self.PingAsync(otherwise, Ct));
        await Logs.WaitForAsync($"expected {otherwise}, met {foo}, which is linked to this node already");
    }

    private static async Task<string> WriteTableAsync(string foo, string bar, string barAddress)
    {
        var path = Path.Combine(Path.GetTempPath(), $"kv-full-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, $$"""
            {
              "routing": [ { "first": "a", "last": "m", "node": "{{foo}}" }, { "first": "n", "last": "z", "node": "{{bar}}" } ],
              "nodes": { "{{foo}}": {}, "{{bar}}": { "address": "{{barAddress}}" } }
            }
            """, Ct);
        return path;
    }

    private static async Task<IPEndPoint> ServerOf(NodeProcess node) => new(IPAddress.Loopback, await node.WaitForListeningPortAsync());
}

using Kv.Tests.Support;

namespace Kv.Tests.Server;

/// <summary>
/// What a client of foo's text server sees of a bucket that lives on bar, between real node
/// processes sharing a nodes.json (a–m on foo, n–z on bar): values byte for byte, and NOT FOUND
/// for a bucket bar does not have.
/// </summary>
[Trait("distributed", "true")]
public sealed class RoutedRepliesTests : ClusterTestBase
{
    [DistributedFact]
    public async Task GetOfABucketOnTheOtherNode_GivesTheExactBytesOfANonAsciiValue()
    {
        var nodes = Cluster.WriteNodesFile();
        var (_, _, foo) = await Cluster.StartServingNodeAsync("foo", extra: ["--nodes", nodes]);
        var (_, _, bar) = await Cluster.StartServingNodeAsync("bar", extra: ["--nodes", nodes]);
        await using var client = await TextClient.ConnectAsync(foo);
        await using var onBar = await TextClient.ConnectAsync(bar);

        // Stored through bar's own server, read through foo's: the value crosses the link as bytes.
        await onBar.SendAsync("CREATE zebras\r\nPUT zebras stripes crème-brûlée-買い物-🍣\r\n");
        await onBar.ExpectBytesAsync("OK\r\nOK\r\n");
        await client.SendAsync("GET zebras stripes\r\nPUT zebras spots ñandú-€\r\n");
        await client.ExpectBytesAsync("crème-brûlée-買い物-🍣\r\nOK\r\nOK\r\n");

        await onBar.SendAsync("GET zebras spots\r\n");
        await onBar.ExpectBytesAsync("ñandú-€\r\nOK\r\n");
    }

    [DistributedFact]
    public async Task ABucketMissingOnTheOwner_IsNotFound_ThroughTheFrontNode()
    {
        var nodes = Cluster.WriteNodesFile();
        var (_, _, foo) = await Cluster.StartServingNodeAsync("foo", extra: ["--nodes", nodes]);
        await Cluster.StartServingNodeAsync("bar", extra: ["--nodes", nodes]);
        await using var client = await TextClient.ConnectAsync(foo);

        await client.SendAsync("GET zebras k\r\nPUT zebras k v\r\nDELETE zebras k\r\nCREATE apples\r\nGET apples k\r\n");

        await client.ExpectBytesAsync("NOT FOUND\r\nNOT FOUND\r\nNOT FOUND\r\nOK\r\n\r\nOK\r\n");
    }
}

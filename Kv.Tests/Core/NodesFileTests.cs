using Kv.Core.Routing;
using Kv.Distribution.Nodes;

namespace Kv.Tests.Core;

public sealed class NodesFileTests
{
    private const string Default = """
        {
          "routing": [
            { "first": "a", "last": "m", "node": "foo" },
            { "first": "n", "last": "z", "node": "bar" }
          ],
          "nodes": { "foo": { "port": 4040 }, "bar": { "port": 4041 } }
        }
        """;

    [Fact]
    public void Parse_TheDefaultFile_RoutesAsTheGuide()
    {
        var config = NodesFile.Parse(Default);

        Assert.Equal(NodeName.Parse("foo"), config.Table.Find("hello"));
        Assert.Equal(NodeName.Parse("bar"), config.Table.Find("world"));
        Assert.Equal(4041, config.Nodes[NodeName.Parse("bar")].Port);
    }

    [Fact]
    public void Find_NoEntry_RaisesNamingTheBucketAndTheTable()
    {
        var table = NodesFile.Parse(Default).Table;

        var error = Assert.Throws<RoutingException>(() => table.Find("\0"));

        Assert.StartsWith("could not find entry for \"\0\" in table [{?a..?m, foo@", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_IntegerBytesAndFullNames_AreAccepted()
    {
        var config = NodesFile.Parse("""{ "routing": [ { "first": 0, "last": 255, "node": "all@host.example.com" } ] }""");

        Assert.Equal(NodeName.Parse("all@host.example.com"), config.Table.Find("é"));
    }

    [Theory]
    [InlineData("""{ "routing": [ { "first": "a", "last": "m", "node": "foo" }, { "first": "k", "last": "z", "node": "foo" } ] }""", "overlaps routing[0]")]
    [InlineData("""{ "routing": [ { "first": "ab", "last": "m", "node": "foo" } ] }""", "routing[0].first must be one character")]
    [InlineData("""{ "routing": [ { "first": "a", "last": 256, "node": "foo" } ] }""", "routing[0].last must be one character")]
    [InlineData("""{ "routing": [ { "first": "z", "last": "a", "node": "foo" } ] }""", "first (122) is after last (97)")]
    [InlineData("""{ "routing": [ { "first": "a", "last": "z", "node": "baz" } ], "nodes": { "foo": { "port": 1 } } }""", "node 'baz' is not listed")]
    [InlineData("""{ "routing": [ { "first": "a", "last": "z", "node": "foo", "weight": 2 } ] }""", "weight")]
    [InlineData("""{ "routes": [] }""", "routes")]
    [InlineData("""{ "routing": [ { "first": "a", "last": "z" } ] }""", "node is missing")]
    [InlineData("""{ "nodes": { "foo": { "port": 70000 } } }""", "port must be 0 to 65535")]
    [InlineData("""{ "routing": [ """, "nodes.json")]
    [InlineData("""{ "nodes": { "foo": { "address": "db1.example.com" } } }""", "nodes.foo.address must be host:port")]
    [InlineData("""{ "nodes": { "foo": { "address": "db1.example.com:0" } } }""", "nodes.foo.address must be host:port")]
    [InlineData("""{ "nodes": { "foo": { "address": "bad host:4371" } } }""", "not 'bad host:4371'")]
    public void Parse_Problems_AreStartupErrorsThatNameThem(string json, string expected)
    {
        var error = Assert.Throws<InvalidDataException>(() => NodesFile.Parse(json));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NamesWithExplicitHosts_AndAddressesByHostName_AreAccepted()
    {
        var config = NodesFile.Parse("""
            {
              "routing": [ { "first": "a", "last": "m", "node": "foo@127.0.0.1" }, { "first": "n", "last": "z", "node": "bar" } ],
              "nodes": { "foo@127.0.0.1": { "address": "localhost:4371" }, "bar": { "address": "[::1]:4372" }, "baz@db1.example.com": { "address": "10.0.0.2:4373" } }
            }
            """);

        Assert.Equal(NodeName.Parse("foo@127.0.0.1"), config.Table.Find("apples"));
        Assert.Equal(NodeName.Parse("bar"), config.Table.Find("zebras"));
        Assert.Equal(["foo@127.0.0.1", $"bar@{NodeName.ShortHostName}", "baz@db1.example.com"], config.NamedNodes.Select(node => node.ToString()).ToArray());
        Assert.True(NodesFile.TrySplitAddress(config.Nodes[NodeName.Parse("foo@127.0.0.1")].Address, out var host, out var port));
        Assert.Equal(("localhost", 4371), (host, port));
        Assert.True(NodesFile.TrySplitAddress("[::1]:4372", out host, out port));
        Assert.Equal(("::1", 4372), (host, port));
    }

    [Fact]
    public void Load_KeepsTheFullPathOfTheFileRead()
    {
        var path = Path.Combine(Path.GetTempPath(), $"kv-path-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, Default);
        try
        {
            Assert.Equal(Path.GetFullPath(path), NodesFile.Load(path).Path);
            Assert.Null(NodesConfig.Empty.Path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_MissingExplicitFile_IsAnError_AndNoFileMeansEverythingLocal()
    {
        Assert.Throws<InvalidDataException>(() => NodesFile.Load("/nonexistent/nodes.json"));
        Assert.True(NodesConfig.Empty.Table.IsLocal);
    }
}

using System.Buffers;
using System.Text;
using Kv.Core.Buckets;
using Kv.Core.Routing;
using Kv.Server.Protocol;
using Kv.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kv.Tests.Server;

/// <summary>Commands run here or routed, as the text server's session runs them, and every outcome as the reply the protocol table gives it.</summary>
public sealed class CommandRunnerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void LocalCommands_RunHere_AndAreAnsweredAtOnce()
    {
        var runner = new CommandRunner(new Router(RoutingTable.Local, new BucketRegistry()), NullLogger.Instance);
        var output = new ArrayBufferWriter<byte>();

        foreach (var line in new[] { "CREATE shopping", "PUT shopping milk 1", "GET shopping milk", "GET shopping eggs", "DELETE shopping milk", "GET nowhere k" })
        {
            Assert.True(CommandParser.TryParse(Encoding.UTF8.GetBytes(line), out var command), line);
            Assert.True(runner.TryRunHere(command, output), line);
        }

        Assert.Equal("OK\r\nOK\r\n1\r\nOK\r\n\r\nOK\r\nOK\r\nNOT FOUND\r\n", Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public async Task BucketOnAnotherNode_IsAnsweredWithItsBytes()
    {
        await using var cluster = await KvTestCluster.StartAsync();
        var runner = new CommandRunner(cluster.Foo.Router, NullLogger.Instance);

        Assert.Equal("NOT FOUND\r\n", await RunAsync(runner, "GET zebras k"));
        Assert.Equal("OK\r\n", await RunAsync(runner, "CREATE zebras"));
        Assert.Equal("OK\r\n", await RunAsync(runner, "PUT zebras k brûlée-🍣"));
        Assert.Equal("brûlée-🍣\r\nOK\r\n", await RunAsync(runner, "GET zebras k"));
        Assert.Equal("OK\r\n", await RunAsync(runner, "DELETE zebras k"));
        Assert.Equal("\r\nOK\r\n", await RunAsync(runner, "GET zebras k"));
    }

    [Fact]
    public async Task NoTableEntry_IsError()
    {
        await using var cluster = await KvTestCluster.StartAsync();
        var runner = new CommandRunner(cluster.Foo.Router, NullLogger.Instance);

        Assert.Equal("ERROR\r\n", await RunAsync(runner, "GET 0bucket k"));
    }

    [Fact]
    public async Task UnreachableOwner_IsError()
    {
        await using var cluster = await KvTestCluster.StartAsync(startBar: false);
        var runner = new CommandRunner(cluster.Foo.Router, NullLogger.Instance);

        Assert.Equal("ERROR\r\n", await RunAsync(runner, "CREATE zebras"));
        Assert.Equal("OK\r\n", await RunAsync(runner, "CREATE apples"));
    }

    /// <summary>Runs one line as the text server's session does: here when its bucket is this node's, else routed.</summary>
    private static async Task<string> RunAsync(CommandRunner runner, string line)
    {
        var output = new ArrayBufferWriter<byte>();
        var routed = new PipelinedReplies(runner);
        Assert.True(CommandParser.TryParse(Encoding.UTF8.GetBytes(line), out var command), line);
        if (!runner.TryRunHere(command, output))
        {
            routed.Route(command);
            await routed.FlushAsync(output, Ct);
        }

        return Encoding.UTF8.GetString(output.WrittenSpan);
    }
}

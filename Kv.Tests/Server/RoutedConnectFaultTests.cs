using System.Globalization;
using System.Net;
using Kv.Distribution.PortMapper;
using Kv.Tests.Support;

namespace Kv.Tests.Server;

/// <summary>
/// A text command routed to a node that cannot be reached answers ERROR in bounded time, whether
/// the port mapper that should find that node is broken or the node's pinned address never answers
/// the handshake; the buckets of the node itself keep working.
/// </summary>
[Trait("distributed", "true")]
public sealed class RoutedConnectFaultTests
{
    /// <summary>The console host's handshake timeout (<c>NodeOptions</c>' default, 5 s) and a margin.</summary>
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(7);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [DistributedTheory]
    [InlineData(PortMapperFault.Silent)]
    [InlineData(PortMapperFault.Garbage)]
    [InlineData(PortMapperFault.Reset)]
    public async Task RoutedCommand_ToANodeBehindAFaultyPortMapper_AnswersError(PortMapperFault fault)
    {
        // foo's own port mapper: it takes foo's registration and breaks the look-up of ghost.
        await using var portMapper = FaultyPortMapper.Start(fault, acceptRegistrations: true);

        await ExpectRoutedErrorAsync(portMapper.Port, ghostAddress: null);

        await Eventually.TrueAsync(() => portMapper.Requests > 0, $"foo to have asked the {portMapper} for ghost");
    }

    [DistributedFact]
    public async Task RoutedCommand_ToAPinnedAddressThatNeverAnswersTheHandshake_AnswersError()
    {
        await using var silent = FaultyPortMapper.Start(PortMapperFault.Silent);

        await ExpectRoutedErrorAsync(NodeCluster.FreePort(), ghostAddress: $"127.0.0.1:{silent.Port}");

        await Eventually.TrueAsync(() => silent.Connections > 0, "foo to have connected to ghost's pinned address");
    }

    /// <summary>
    /// Starts node foo with a table that puts a–m on foo and n–z on ghost, which never runs, and
    /// checks that a command on an n–z bucket answers ERROR within the deadline and one on an a–m
    /// bucket still works.
    /// </summary>
    private static async Task ExpectRoutedErrorAsync(int portMapperPort, string? ghostAddress)
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var (foo, ghost) = ($"foo-{suffix}", $"ghost-{suffix}");
        var ghostSettings = ghostAddress is null ? "{}" : $$"""{ "address": "{{ghostAddress}}" }""";
        var path = Path.Combine(Path.GetTempPath(), $"kv-nodes-{suffix}.json");
        await File.WriteAllTextAsync(
            path,
            $$"""
            {
              "routing": [
                { "first": "a", "last": "m", "node": "{{foo}}" },
                { "first": "n", "last": "z", "node": "{{ghost}}" }
              ],
              "nodes": { "{{foo}}": {}, "{{ghost}}": {{ghostSettings}} }
            }
            """,
            Ct);
        try
        {
            await using var node = NodeProcess.Start(
                new Dictionary<string, string> { [PortMapperOptions.PortVariable] = portMapperPort.ToString(CultureInfo.InvariantCulture) },
                "--sname", foo, "--cookie", "connect-fault-cookie", "--nodes", path, "--port", "0", "--bind", "127.0.0.1");
            var port = await node.WaitForListeningPortAsync();
            await using var client = await TextClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));

            var routed = client.CommandAsync("CREATE zebras");
            try
            {
                Assert.Equal("ERROR", await routed.WaitAsync(s_deadline, Ct));
            }
            catch (TimeoutException timeout) when (!routed.IsCompleted)
            {
                throw new TimeoutException($"CREATE zebras (routed to {ghost}) was not answered within {s_deadline.TotalSeconds:0} s. foo's output:\n{node.Output}", timeout);
            }

            Assert.Equal("OK", await client.CommandAsync("CREATE apples"));
        }
        finally
        {
            File.Delete(path);
        }
    }
}

using System.Net;
using System.Text.RegularExpressions;
using Kv.Tests.Support;

namespace Kv.Tests.Server;

/// <summary>The console host as a user runs it: a separate OS process.</summary>
public sealed partial class HostProcessTests
{
    [Fact]
    public async Task Host_LogsWhereItListens_Serves_AndStopsOnSigterm()
    {
        await using var node = NodeProcess.Start("--port", "0", "--bind", "127.0.0.1");
        var port = await node.WaitForListeningPortAsync();

        await using (var client = await TextClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)))
        {
            await client.SendAsync("CREATE shopping\r\nPUT shopping milk 1\r\nGET shopping milk\r\n");
            await client.ExpectBytesAsync("OK\r\nOK\r\n1\r\nOK\r\n");

            node.Terminate();

            Assert.Equal(0, await node.WaitForExitAsync(TimeSpan.FromSeconds(3)));
            await client.ExpectClosedAsync();
        }

        await node.WaitForLineAsync(StoppedLine());
    }

    [Fact]
    public async Task Host_PortFromEnvironment_IsUsed_WhenNoFlag()
    {
        await using var node = NodeProcess.Start(new Dictionary<string, string> { ["PORT"] = "0" }, "--bind", "127.0.0.1");

        Assert.NotEqual(4040, await node.WaitForListeningPortAsync());
    }

    [Fact]
    public async Task Host_PortFlag_WinsOverEnvironment()
    {
        await using var node = NodeProcess.Start(new Dictionary<string, string> { ["PORT"] = "70000" }, "--bind", "127.0.0.1", "--port", "0");

        Assert.NotEqual(4040, await node.WaitForListeningPortAsync());
    }

    [Fact]
    public async Task Host_InvalidPort_ExitsWithAClearError()
    {
        await using var node = NodeProcess.Start("--port", "70000");

        await node.WaitForLineAsync(PortError());
        Assert.NotEqual(0, await node.WaitForExitAsync(TimeSpan.FromSeconds(10)));
    }

    [GeneratedRegex("kv stopped listening")]
    private static partial Regex StoppedLine();

    [GeneratedRegex("--port must be a TCP port")]
    private static partial Regex PortError();
}

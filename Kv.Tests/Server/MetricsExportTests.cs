using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Kv.Tests.Support;

namespace Kv.Tests.Server;

/// <summary><c>--metrics-port</c>: a node process serving its instruments to a Prometheus scrape over real HTTP.</summary>
public sealed partial class MetricsExportTests
{
    private static readonly HttpClient s_http = new() { Timeout = TimeSpan.FromSeconds(5) };

    [Fact]
    public async Task MetricsPort_ServesTheKvInstruments_WithTheirValues()
    {
        // A port that was free a moment ago: HttpListener cannot take port 0 and say which it got.
        var metricsPort = NodeCluster.FreePort();
        await using var node = NodeProcess.Start("--port", "0", "--bind", "127.0.0.1", "--metrics-port", metricsPort.ToString(CultureInfo.InvariantCulture));
        var endPoint = new IPEndPoint(IPAddress.Loopback, await node.WaitForListeningPortAsync());
        await using var stays = await TextClient.ConnectAsync(endPoint);
        Assert.Equal("OK", await stays.CommandAsync("CREATE shopping"));
        await using (var leaves = await TextClient.ConnectAsync(endPoint))
        {
            await leaves.SendAsync("PUT shopping milk 1\r\nGET shopping milk\r\nNOPE\r\n");
            await leaves.ExpectBytesAsync("OK\r\n1\r\nOK\r\nUNKNOWN COMMAND\r\n");
        }

        var scrape = string.Empty;
        await Eventually.TrueAsync(
            async () => Sample(scrape = await TryScrapeAsync(metricsPort), "kv_server_connections") == 1,
            TimeSpan.FromSeconds(10),
            $"http://127.0.0.1:{metricsPort}/metrics to show one open connection once the other left",
            TimeSpan.FromMilliseconds(100));

        Assert.Equal(4, Sample(scrape, "kv_server_commands_total"));
        Assert.Equal(1, Sample(scrape, "kv_server_rejected_lines_total"));
        Assert.Equal(0, Sample(scrape, "kv_server_refused_connections_total"));
        Assert.Equal(0, Sample(scrape, "kv_dist_links"));
        Assert.Equal(0, Sample(scrape, "kv_router_owner_calls_total")); // one node: every bucket is here
        Assert.Contains("# TYPE kv_server_connections gauge", scrape, StringComparison.Ordinal);
        Assert.Contains("# TYPE kv_server_commands_total counter", scrape, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MetricsPort_Taken_IsOneClearLine_AndExitCode2()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        await using var node = NodeProcess.Start("--port", "0", "--bind", "127.0.0.1", "--metrics-port", port.ToString(CultureInfo.InvariantCulture));

        Assert.Equal(2, await node.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        await node.WaitForLineAsync(new Regex($"^kv: cannot serve metrics on port {port} \\(.*\\); pick another with --metrics-port\\.$"));
        Assert.DoesNotContain("   at ", node.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MetricsPort_OutOfRange_IsRefused()
    {
        await using var node = NodeProcess.Start("--port", "0", "--bind", "127.0.0.1", "--metrics-port", "70000");

        Assert.Equal(2, await node.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        await node.WaitForLineAsync(OutOfRange());
    }

    /// <summary>The value of the series <paramref name="name"/> in a Prometheus text scrape; <see langword="null"/> when it is not there.</summary>
    private static double? Sample(string scrape, string name)
    {
        foreach (var line in scrape.Split('\n'))
        {
            if (line.StartsWith(name, StringComparison.Ordinal) && line.Length > name.Length && line[name.Length] is ' ' or '{')
            {
                return double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    /// <summary>The scrape, or an empty text while the endpoint does not answer yet.</summary>
    private static async Task<string> TryScrapeAsync(int port)
    {
        try
        {
            return await s_http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"), TestContext.Current.CancellationToken);
        }
        catch (HttpRequestException)
        {
            return string.Empty;
        }
    }

    [GeneratedRegex(@"^kv: --metrics-port must be a TCP port, 1 to 65535: got --metrics-port 70000 on the command line\.$")]
    private static partial Regex OutOfRange();
}

using System.Globalization;
using System.Net;
using Kv.Core.Buckets;
using Kv.Server;
using Kv.Server.Tcp;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Kv.Tests.Support;

/// <summary>A real text server on an ephemeral loopback port, wired exactly as the host wires it.</summary>
internal sealed class TestServer : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly KvTcpServer _server;

    private TestServer(ServiceProvider services)
    {
        _services = services;
        _server = services.GetRequiredService<KvTcpServer>();
    }

    public BucketRegistry Registry => _services.GetRequiredService<BucketRegistry>();

    public IPEndPoint EndPoint => _server.LocalEndPoint;

    /// <summary>The server's services, such as its <see cref="System.Diagnostics.Metrics.IMeterFactory"/>.</summary>
    public IServiceProvider Services => _services;

    /// <summary>The value of the server's instrument <paramref name="instrument"/> now, as a metrics listener reads it.</summary>
    public double Metric(string instrument) =>
        _services.GetRequiredService<ServerMetrics>().Read().Single(reading => reading.Instrument == instrument).Value;

    /// <summary>The clients being served now.</summary>
    public int Clients => _server.Clients;

    public static async Task<TestServer> StartAsync(int maxLineLength = 64 * 1024, int? maxClients = null, int idleTimeoutSeconds = 0)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Port"] = "0",
                ["Bind"] = "127.0.0.1",
                ["MaxLineLength"] = maxLineLength.ToString(CultureInfo.InvariantCulture),
                ["MaxClients"] = maxClients?.ToString(CultureInfo.InvariantCulture),
                ["IdleTimeoutSeconds"] = idleTimeoutSeconds.ToString(CultureInfo.InvariantCulture),
            })
            .Build();
        var services = new ServiceCollection().AddLogging().AddKvServer(configuration).BuildServiceProvider();
        var server = new TestServer(services);
        await server._server.StartAsync(TestContext.Current.CancellationToken);
        return server;
    }

    public Task<TextClient> ConnectAsync() => TextClient.ConnectAsync(EndPoint);

    public Task StopAsync() => _server.StopAsync(CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync(CancellationToken.None);
        await _services.DisposeAsync();
    }
}

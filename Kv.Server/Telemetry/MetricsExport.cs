using System.Net;
using Kv.Core.Routing;
using Kv.Distribution;
using Kv.Server.Tcp;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Kv.Server.Telemetry;

/// <summary>
/// The opt-in OpenTelemetry export: with <c>--metrics-port N</c>, the meters <c>Kv.Server</c>,
/// <c>Kv.Core</c> and <c>Kv.Distribution</c> are served in Prometheus's text format at <c>http://BIND:N/metrics</c>,
/// for Prometheus (or anything that scrapes it) to pull. Without the flag nothing is registered
/// and nothing listens.
/// </summary>
internal static class MetricsExport
{
    /// <summary>Registers the export when <paramref name="configuration"/> sets <see cref="MetricsExportOptions.PortKey"/>.</summary>
    public static IServiceCollection AddMetricsExport(this IServiceCollection services, IConfiguration configuration)
    {
        if (configuration[MetricsExportOptions.PortKey] is null)
        {
            return services;
        }

        services.AddOptions<MetricsExportOptions>()
            .Configure(options => options.Bind = configuration[nameof(KvServerOptions.Bind)] ?? options.Bind)
            .Bind(configuration.GetSection("Metrics"))
            .Validate(o => o.Port is >= 1 and <= 65535, "--metrics-port must be a TCP port, 1 to 65535.")
            .Validate(o => IPAddress.TryParse(o.Bind, out _), "--bind must be an IP address, such as 0.0.0.0 or 127.0.0.1.")
            .ValidateOnStart();
        services.AddOptions<PrometheusHttpListenerOptions>()
            .Configure<IOptions<MetricsExportOptions>>((listener, export) => Configure(listener, export.Value));
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("kv"))
            .WithMetrics(metrics => metrics
            .AddMeter(ServerMetrics.MeterName, RouterMetrics.MeterName, DistributionMetrics.MeterName)
            .AddPrometheusHttpListener());
        return services;
    }

    /// <summary>
    /// One line for a failed start of the endpoint (the port is taken, or not ours to listen on),
    /// naming the port and the fix; <see langword="null"/> when <paramref name="failure"/> is something else.
    /// </summary>
    public static string? DescribeStartFailure(Exception failure, IConfiguration configuration) =>
        failure is InvalidOperationException { InnerException: HttpListenerException listen }
            ? $"cannot serve metrics on port {configuration[MetricsExportOptions.PortKey]} ({listen.Message}); pick another with --metrics-port."
            : null;

    private static void Configure(PrometheusHttpListenerOptions listener, MetricsExportOptions export)
    {
        listener.Port = export.Port ?? 0;
        var address = IPAddress.Parse(export.Bind);
        if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            // HttpListener's wildcard host; a URI cannot hold it, so it replaces the prefix built from Host.
            listener.ConfigureHttpListener = static (options, http) =>
            {
                http.Prefixes.Clear();
                http.Prefixes.Add($"http://*:{options.Port}{options.ScrapeEndpointPath?.TrimEnd('/')}/");
            };
        }
        else
        {
            listener.Host = address.ToString();
        }
    }
}

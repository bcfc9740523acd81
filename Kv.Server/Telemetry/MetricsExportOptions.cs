namespace Kv.Server.Telemetry;

/// <summary>The Prometheus scrape endpoint, bound from the <c>Metrics</c> section (<c>--metrics-port</c>).</summary>
internal sealed class MetricsExportOptions
{
    /// <summary>The configuration key that <c>--metrics-port</c> sets.</summary>
    public const string PortKey = "Metrics:Port";

    /// <summary>The TCP port of <c>http://HOST:PORT/metrics</c>; the endpoint is served only when it is set.</summary>
    public int? Port { get; set; }

    /// <summary>
    /// The address it listens on: the text server's <c>--bind</c> (<see cref="Tcp.KvServerOptions.Bind"/>);
    /// 0.0.0.0 or :: means every interface.
    /// </summary>
    public string Bind { get; set; } = "0.0.0.0";
}

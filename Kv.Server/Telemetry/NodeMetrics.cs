using Kv.Core.Routing;
using Kv.Distribution;
using Kv.Distribution.Telemetry;
using Kv.Server.Tcp;

namespace Kv.Server.Telemetry;

/// <summary>
/// This process's kv numbers in one call: the text server's (<c>kv.server.*</c>, when it runs), the
/// router's (<c>kv.router.*</c>) and the node's (<c>kv.dist.*</c>), read from the same instruments that <c>dotnet-counters</c> and the
/// <c>--metrics-port</c> exporter read.
/// </summary>
internal sealed class NodeMetrics(DistributionMetrics distribution, ServerMetrics? server, RouterMetrics router)
{
    /// <summary>Every kv instrument's value now: the text server's, the router's, the node's; each group ordered by instrument and tags.</summary>
    public IReadOnlyList<MetricReading> Read() => [.. server?.Read() ?? [], .. router.Read(), .. distribution.Read()];
}

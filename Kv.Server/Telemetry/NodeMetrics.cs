using Kv.Distribution;
using Kv.Distribution.Telemetry;
using Kv.Server.Tcp;

namespace Kv.Server.Telemetry;

/// <summary>
/// This process's kv numbers in one call: the text server's (<c>kv.server.*</c>, when it runs) and
/// the node's (<c>kv.dist.*</c>), read from the same instruments that <c>dotnet-counters</c> and the
/// <c>--metrics-port</c> exporter read.
/// </summary>
internal sealed class NodeMetrics(DistributionMetrics distribution, ServerMetrics? server)
{
    /// <summary>Every kv instrument's value now, the text server's first; each group ordered by instrument and tags.</summary>
    public IReadOnlyList<MetricReading> Read() => [.. server?.Read() ?? [], .. distribution.Read()];
}

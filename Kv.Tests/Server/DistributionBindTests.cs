using System.Globalization;
using System.Text.RegularExpressions;
using Kv.Distribution.PortMapper;

namespace Kv.Tests.Server;

/// <summary>
/// Where a node listens (issue "secure by default", port-mapper exposure): <c>--dist-bind</c> sets
/// the distribution listener's address, and a node kept to loopback hosts its port mapper on
/// loopback too; by default both listen on every interface, as other hosts need.
/// </summary>
[Trait("distributed", "true")]
public sealed partial class DistributionBindTests
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(20);

    [DistributedFact]
    public async Task DistBindLoopback_ListensOnLoopback_AndHostsThePortMapperOnLoopback()
    {
        await using var node = Start("--dist-bind", "127.0.0.1");

        await node.WaitForLineAsync(PortMapperOnLoopback(), s_deadline);
        await node.WaitForLineAsync(DistributionOnLoopback(), s_deadline);
    }

    [DistributedFact]
    public async Task ByDefault_BothListenOnEveryInterface()
    {
        await using var node = Start();

        await node.WaitForLineAsync(PortMapperOnAny(), s_deadline);
        await node.WaitForLineAsync(DistributionOnAny(), s_deadline);
    }

    private static NodeProcess Start(params string[] extra) => NodeProcess.Start(
        new Dictionary<string, string> { [PortMapperOptions.PortVariable] = NodeCluster.FreePort().ToString(CultureInfo.InvariantCulture) },
        ["--sname", $"bind-{Guid.NewGuid().ToString("N")[..6]}", "--cookie", "c", "--port", "0", "--bind", "127.0.0.1", .. extra]);

    [GeneratedRegex(@"Port mapper listening on 127\.0\.0\.1:\d+")]
    private static partial Regex PortMapperOnLoopback();

    [GeneratedRegex(@"distribution listening on 127\.0\.0\.1:\d+")]
    private static partial Regex DistributionOnLoopback();

    [GeneratedRegex(@"Port mapper listening on 0\.0\.0\.0:\d+")]
    private static partial Regex PortMapperOnAny();

    [GeneratedRegex(@"distribution listening on 0\.0\.0\.0:\d+")]
    private static partial Regex DistributionOnAny();
}

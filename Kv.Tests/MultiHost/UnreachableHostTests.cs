using System.Diagnostics;
using System.Text.RegularExpressions;
using Kv.Tests.Support;

namespace Kv.Tests.MultiHost;

/// <summary>What part of bar's host cannot be reached.</summary>
public enum Unreachable
{
    /// <summary>The whole host drops every packet, in and out (a machine gone from the network).</summary>
    Host,

    /// <summary>Only its port mapper's port, 4370, drops every packet: the node runs and its distribution port answers, but nobody can look it up.</summary>
    PortMapper,
}

/// <summary>
/// A node that foo has never linked to, on a host that does not answer: the port mapper look-up or
/// the connect meets silence (no reset, no ICMP error), the worst case for a timeout. A routed
/// command still ends with ERROR within the handshake timeout, and the shell's ping says pang and
/// the node exits.
/// </summary>
[Trait("distributed", "true")]
[Trait("multihost", "true")]
[Collection(MultiHostSequence.Name)]
public sealed partial class UnreachableHostTests
{
    private const int PortMapperPort = 4370;

    [MultiHostTheory]
    [InlineData(Unreachable.Host)]
    [InlineData(Unreachable.PortMapper)]
    public async Task RoutedCommand_ForABucketOnAnUnreachableHost_AnswersErrorWithinTheHandshakeTimeout(Unreachable what)
    {
        await using var cluster = await MultiHostCluster.CreateAsync("foo", "bar");
        var (foo, _) = await cluster.StartFooAndBarAsync();
        await MakeUnreachableAsync(cluster, what);
        await using var client = await cluster.ConnectAsync("foo");

        var routed = await RequestLoop.AskAsync(client, "CREATE shopping", MultiHostCluster.RequestDeadline);
        var own = await RequestLoop.AskAsync(client, "CREATE apples", MultiHostCluster.RequestDeadline);

        Measurements.Report($"unreachable {what}: {routed}");
        Assert.True(routed.Reply == "ERROR", $"CREATE shopping (bar's) must answer ERROR within {MultiHostCluster.RequestDeadline.TotalSeconds:0} s: {routed}. foo's output:\n{foo.Output}");
        Assert.Equal("OK", own.Reply);
    }

    [MultiHostTheory]
    [InlineData(Unreachable.Host)]
    [InlineData(Unreachable.PortMapper)]
    public async Task Ping_OfANodeOnAnUnreachableHost_PrintsPangAndExits(Unreachable what)
    {
        await using var cluster = await MultiHostCluster.CreateAsync("foo", "bar", "baz");
        await cluster.StartNodeAsync("bar");
        await MakeUnreachableAsync(cluster, what);

        var started = Stopwatch.GetTimestamp();
        var probe = cluster.StartEval("baz", "probe", $"ping {cluster.NameOf("bar")}");

        // Starting the process takes a second or two; the ping itself ends within the handshake timeout (5 s).
        int exitCode;
        try
        {
            exitCode = await probe.WaitForExitAsync(TimeSpan.FromSeconds(15));
        }
        catch (TimeoutException)
        {
            Assert.Fail($"--eval \"ping bar\" did not end within 15 s. Its output:\n{probe.Output}");
            throw;
        }

        Assert.Equal(0, exitCode);
        Measurements.Report($"unreachable {what}: --eval ping ended after", Stopwatch.GetElapsedTime(started));
        Assert.Matches(Pang(), probe.Output);
    }

    private static Task MakeUnreachableAsync(MultiHostCluster cluster, Unreachable what) => what switch
    {
        Unreachable.Host => cluster.Network.BlackHoleAsync("bar"),
        _ => cluster.Network.BlockPortAsync("bar", PortMapperPort),
    };

    [GeneratedRegex("^pang$", RegexOptions.Multiline)]
    private static partial Regex Pang();
}

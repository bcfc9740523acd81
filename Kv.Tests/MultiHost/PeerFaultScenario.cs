using System.Diagnostics;
using Kv.Tests.Support;

namespace Kv.Tests.MultiHost;

/// <summary>How bar becomes unreachable for foo.</summary>
public enum PeerFault
{
    /// <summary>The network between foo and bar drops every packet both ways (nftables); both nodes run on.</summary>
    Cut,

    /// <summary>bar's process is stopped (SIGSTOP): its host answers TCP, the node reads and writes nothing.</summary>
    Freeze,

    // A black-holed host (VirtualHosts.BlackHoleAsync) looks to foo as Cut does; UnreachableHostTests use it.
}

/// <summary>
/// The stage of the fault tests: foo and bar on two hosts with a short tick time, a client of foo,
/// bar's bucket <c>shopping</c> and foo's bucket <c>apples</c>, each with one key, and the link
/// between foo and bar up. Then a fault between foo and bar, and its end.
/// </summary>
internal sealed class PeerFaultScenario : IAsyncDisposable
{
    /// <summary>The tick window: a silent link is declared down 3/4 to 5/4 of the tick time after its last frame (NodeOptions.TickTime), plus a margin.</summary>
    public static readonly TimeSpan TickWindow = (MultiHostCluster.TickTime * 1.25) + TimeSpan.FromSeconds(1);

    private PeerFaultScenario(MultiHostCluster cluster, NodeProcess foo, NodeProcess bar, TextClient client)
    {
        Cluster = cluster;
        Foo = foo;
        Bar = bar;
        Client = client;
    }

    public MultiHostCluster Cluster { get; }

    public NodeProcess Foo { get; }

    public NodeProcess Bar { get; }

    /// <summary>A client of foo, from the test process.</summary>
    public TextClient Client { get; }

    public static async Task<PeerFaultScenario> StartAsync()
    {
        var cluster = await MultiHostCluster.CreateAsync("foo", "bar");
        try
        {
            var (foo, bar) = await cluster.StartFooAndBarAsync();
            var client = await cluster.ConnectAsync("foo");
            var scenario = new PeerFaultScenario(cluster, foo, bar, client);
            foreach (var request in new[] { "CREATE shopping", "PUT shopping milk 1", "CREATE apples", "PUT apples red 1" })
            {
                Assert.Equal("OK", await client.CommandAsync(request));
            }

            return scenario;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Whether a request is for bar's bucket (routed over the link), not foo's own.</summary>
    public static bool IsForBar(Sample sample) => sample.Request.Contains(" shopping ", StringComparison.Ordinal);

    /// <summary>Requests of a mixed load: reads and writes of bar's bucket, writes of foo's.</summary>
    public static string MixedRequest(int i) => (i % 3) switch
    {
        0 => "GET shopping milk",
        1 => $"PUT shopping k{i} v{i}",
        _ => $"PUT apples k{i} v{i}",
    };

    /// <summary>Makes bar unreachable for foo; returns when, as a <see cref="Stopwatch"/> timestamp.</summary>
    public async Task<long> ApplyAsync(PeerFault fault)
    {
        var network = Cluster.Network;
        switch (fault)
        {
            case PeerFault.Cut:
                await network.CutAsync("foo", "bar");
                break;
            case PeerFault.Freeze:
                Bar.Freeze();
                break;
        }

        return Stopwatch.GetTimestamp();
    }

    /// <summary>Ends the fault; returns when, as a <see cref="Stopwatch"/> timestamp.</summary>
    public async Task<long> UndoAsync(PeerFault fault)
    {
        var network = Cluster.Network;
        switch (fault)
        {
            case PeerFault.Cut:
                await network.HealAsync("foo", "bar");
                break;
            case PeerFault.Freeze:
                Bar.Resume();
                break;
        }

        return Stopwatch.GetTimestamp();
    }

    /// <summary>
    /// Waits for foo to log its link to bar down and returns how long after <paramref name="since"/>
    /// that was. It waits well past the tick window, so that a late verdict is measured, not only failed.
    /// </summary>
    public async Task<TimeSpan> WaitForFooToDeclareBarDownAsync(long since)
    {
        await Foo.WaitForLineAsync(Cluster.LinkDownLine("bar"), TickWindow * 3);
        return Stopwatch.GetElapsedTime(since);
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Cluster.DisposeAsync();
    }
}

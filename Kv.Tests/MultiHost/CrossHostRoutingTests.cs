using System.Text.RegularExpressions;
using Kv.Tests.Support;

namespace Kv.Tests.MultiHost;

/// <summary>
/// Nodes on different hosts (network namespaces, each with its own port mapper on 4370) find each
/// other by full name, link with the shared cookie and route each bucket to its owner, as on two
/// machines.
/// </summary>
[Trait("distributed", "true")]
[Trait("multihost", "true")]
[Collection(MultiHostSequence.Name)]
public sealed partial class CrossHostRoutingTests
{
    [MultiHostFact]
    public async Task RoutedCommands_OnABucketOfAnotherHost_RunOnItsOwnerAndReadBack()
    {
        await using var cluster = await MultiHostCluster.CreateAsync("foo", "bar");
        await cluster.StartFooAndBarAsync();
        await using var foo = await cluster.ConnectAsync("foo");
        await using var bar = await cluster.ConnectAsync("bar");

        // "shopping" is bar's: created, written and read through foo, on another host.
        Assert.Equal("OK", await foo.CommandAsync("CREATE shopping"));
        Assert.Equal("OK", await foo.CommandAsync("PUT shopping milk 1"));
        Assert.Equal(("OK", "1"), await GetAsync(foo, "GET shopping milk"));

        // It lives on bar: bar has it without asking anyone.
        Assert.Equal(("OK", "1"), await GetAsync(bar, "GET shopping milk"));

        // And the other way round: "apples" is foo's, reached through bar.
        Assert.Equal("OK", await bar.CommandAsync("CREATE apples"));
        Assert.Equal("OK", await bar.CommandAsync("PUT apples red 3"));
        Assert.Equal(("OK", "3"), await GetAsync(foo, "GET apples red"));
        Assert.Equal(("NOT FOUND", null), await GetAsync(foo, "GET nuts cashew"));
    }

    [MultiHostFact]
    public async Task Eval_OnAThirdHost_PingsAndCallsNodesOfTheOtherHosts()
    {
        await using var cluster = await MultiHostCluster.CreateAsync("foo", "bar", "baz");
        await cluster.StartFooAndBarAsync();
        var (foo, bar) = (cluster.NameOf("foo"), cluster.NameOf("bar"));

        var probe = cluster.StartEval("baz", "probe", $"ping {foo}; ping {bar}; rpc {bar} Kernel.Node; route shopping Kernel.Node; route apples Kernel.Node");

        Assert.Equal(0, await probe.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        var output = probe.Output;
        Assert.Equal(["pong", "pong"], Pongs().Matches(output).Select(m => m.Value));
        Assert.Equal([$"\"{bar}\"", $"\"{bar}\"", $"\"{foo}\""], NodeNames().Matches(output).Select(m => m.Value));
    }

    private static async Task<(string Status, string? Value)> GetAsync(TextClient client, string request)
    {
        var sample = await RequestLoop.AskAsync(client, request, MultiHostCluster.RequestDeadline);
        Assert.NotNull(sample.Reply);
        return (sample.Reply, sample.Value);
    }

    [GeneratedRegex(@"^p[oa]ng$", RegexOptions.Multiline)]
    private static partial Regex Pongs();

    [GeneratedRegex(@"^""\w+@[\d.]+""$", RegexOptions.Multiline)]
    private static partial Regex NodeNames();
}

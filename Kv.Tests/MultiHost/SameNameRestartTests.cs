using Kv.Tests.Support;

namespace Kv.Tests.MultiHost;

/// <summary>
/// bar's machine dies without a word (kill -9 while its packets are dropped, as a power cut) and bar
/// is started again under the same name while foo still holds the old link. The spec (issue 11):
/// when a node of an already linked name connects with a different creation, the stale link is
/// closed and the new one accepted at once, not after foo's tick timeout.
/// </summary>
[Trait("distributed", "true")]
[Trait("multihost", "true")]
[Collection(MultiHostSequence.Name)]
public sealed class SameNameRestartTests
{
    /// <summary>Long, so that "at once" and "at foo's tick timeout" (7.5 to 12.5 s after bar's last frame) are far apart.</summary>
    private static readonly TimeSpan s_tickTime = TimeSpan.FromSeconds(10);

    /// <summary>"At once": a handshake on an idle network, with a margin for a loaded machine.</summary>
    private static readonly TimeSpan s_atOnce = TimeSpan.FromSeconds(2);

    private const int OldBarPort = 4380;
    private const int NewBarPort = 4381;

    [MultiHostFact]
    public async Task Restart_UnderTheSameNameWhileFooHoldsTheOldLink_IsAcceptedAtOnce()
    {
        await using var cluster = await MultiHostCluster.CreateAsync("foo", "bar");
        var foo = await cluster.StartNodeAsync("foo", s_tickTime);
        var oldBar = await cluster.StartNodeAsync("bar", s_tickTime, "--dist-port", $"{OldBarPort}");
        await using var fooClient = await cluster.ConnectAsync("foo");
        Assert.Equal("OK", await fooClient.CommandAsync("CREATE shopping"));
        await foo.WaitForLineAsync(cluster.LinkUpLine("bar"));

        // Nothing of the old link may reach either side again: not the old bar's FIN or reset when it
        // dies, nor foo's ticks and retransmissions afterwards (the new bar's host would reset them).
        // The old link is foo's connection to bar's distribution port, which the new bar does not use.
        await cluster.Network.BlockPortAsync("bar", OldBarPort);
        oldBar.KillHard();
        await cluster.StartNodeAsync("bar", s_tickTime, "--dist-port", $"{NewBarPort}");

        // The new bar links to foo for a command on foo's bucket; foo still has a link "up" to bar.
        await using var barClient = await cluster.ConnectAsync("bar");
        Sample? last = null;
        var accepted = await Eventually.TrueAsync(
            async () => (last = await RequestLoop.AskAsync(barClient, "CREATE apples", MultiHostCluster.RequestDeadline)).Reply == "OK",
            s_tickTime * 2,
            "the restarted bar to reach foo (CREATE apples through bar answering OK)",
            TimeSpan.FromMilliseconds(100));
        Measurements.Report("same-name restart: foo accepted the new bar after", accepted);

        Assert.True(
            accepted <= s_atOnce,
            $"foo took {accepted.TotalSeconds:0.0} s to accept bar restarted under the same name (at once means within {s_atOnce.TotalSeconds:0} s; foo's tick time is {s_tickTime.TotalSeconds:0} s). Last reply before: {last}. foo's output:\n{foo.Output}");

        // And foo's requests reach the new bar (whose buckets are new and empty), not the dead one.
        var fromFoo = await RequestLoop.AskAsync(fooClient, "GET shopping milk", MultiHostCluster.RequestDeadline);
        Assert.Equal("NOT FOUND", fromFoo.Reply);
    }
}

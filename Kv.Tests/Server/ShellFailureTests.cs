using System.Text.RegularExpressions;
using Kv.Tests.Support;

namespace Kv.Tests.Server;

/// <summary>
/// A shell command that fails, however it fails, is one error line: the shell goes on and the node
/// keeps running; <c>--eval</c> exits non-zero. Real console host processes.
/// </summary>
[Trait("distributed", "true")]
public sealed partial class ShellFailureTests : ClusterTestBase
{
    [DistributedFact]
    public async Task Eval_OfAFailingSpawn_ExitsNonZero_WithOneClearLine()
    {
        var self = Cluster.NameOf("evaler");

        var eval = Cluster.StartProcess("evaler", NodeCluster.CookieValue, ["--eval", $"spawn {self.Name} Nope.Nope"]);

        Assert.Equal(1, await eval.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.Matches(ErrorLine(), eval.Output);
        Assert.DoesNotContain("   at ", eval.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled", eval.Output, StringComparison.Ordinal);
    }

    [DistributedFact]
    public async Task Eval_GoesOnAfterAFailure_AndStillExitsNonZero()
    {
        var self = Cluster.NameOf("evaler");

        var eval = Cluster.StartProcess("evaler", NodeCluster.CookieValue, ["--eval", $"spawn {self.Name} Nope.Nope; node"]);

        Assert.Equal(1, await eval.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains(self.ToString(), eval.Output.Split('\n'));
    }

    [DistributedFact]
    public async Task Shell_PrintsEachFailure_AndTheNextCommandStillAnswers()
    {
        var self = Cluster.NameOf("shell");
        var shell = Cluster.StartProcess("shell", NodeCluster.CookieValue, ["--port", "0", "--bind", "127.0.0.1", "--shell"]);
        var prompt = $"kv({self})> ";

        await shell.TypeAsync($"spawn {self.Name} Nope.Nope\nrpc nosuchnode Kernel.Node\nnode\nquit\n");

        Assert.Equal(0, await shell.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        var lines = shell.Output.Split('\n');
        var spawn = Array.FindIndex(lines, line => line.StartsWith(prompt + "** (", StringComparison.Ordinal));
        var rpc = Array.FindIndex(lines, line => line.StartsWith(prompt + "** (NoConnection)", StringComparison.Ordinal));
        var node = Array.IndexOf(lines, prompt + self);
        Assert.True(spawn >= 0 && spawn < rpc && rpc < node, $"expected the spawn's error, the rpc's error, then the node's name:\n{shell.Output}");
    }

    [GeneratedRegex(@"(?m)^\*\* \(\w+\) \S.*$")]
    private static partial Regex ErrorLine();
}

using Kv.Distribution.Processes;
using Kv.Tests.Support;

namespace Kv.Tests.Server;

/// <summary>
/// The shell as a person uses it at a terminal: real node processes, each shell in a pseudo-terminal
/// of its own, keys typed as a terminal sends them, and the screen read as a terminal draws it.
/// </summary>
[Trait("distributed", "true")]
public sealed class InteractiveShellTests : ClusterTestBase
{
    private const string Up = "\u001b[A";
    private const string CtrlC = "\u0003";
    private const string CtrlD = "\u0004";

    [DistributedFact]
    public async Task StartsBySayingHowToStop_AndUpRecallsTheLastCommand()
    {
        var (shell, prompt) = await StartShellAsync("shell");
        Assert.Contains(shell.Read(s => s.Rows), row => row.Contains("Ctrl+C twice", StringComparison.Ordinal) && row.Contains("quit", StringComparison.Ordinal));

        shell.Type($"ping {Cluster.Self.Name}\r");
        await shell.WaitForScreenAsync(s => Count(s, "pong") == 1, "pong");
        shell.Type(Up);
        await shell.WaitForScreenAsync(s => s.CursorRow == $"{prompt} ping {Cluster.Self.Name}", "the last command recalled");
        shell.Type("\r");

        await shell.WaitForScreenAsync(s => Count(s, "pong") == 2, "pong again, for the recalled line");
    }

    [DistributedFact]
    public async Task CtrlC_DropsTheLine_TheNodeGoesOn_AndTwiceOnAnEmptyLineStopsIt()
    {
        var (shell, prompt) = await StartShellAsync("shell");

        shell.Type("ping nowhere");
        await shell.WaitForScreenAsync(s => s.CursorRow == $"{prompt} ping nowhere", "the typed line");
        shell.Type(CtrlC);
        await shell.WaitForScreenAsync(s => s.Rows.Contains($"{prompt} ping nowhere^C") && s.CursorRow == prompt, "the line dropped, a new prompt");
        shell.Type("node\r");
        await shell.WaitForScreenAsync(s => s.Rows.Contains(Cluster.NameOf("shell").ToString()), "the node still answering");
        Assert.DoesNotContain("pang", shell.Read(s => s.Rows));

        shell.Type(CtrlC);
        await shell.WaitForScreenAsync(s => s.Rows.Any(r => r.StartsWith("(press Ctrl+C again", StringComparison.Ordinal)), "how to stop");
        Assert.False(shell.HasExited);
        shell.Type(CtrlC);

        Assert.Equal(0, await shell.WaitForExitAsync(TimeSpan.FromSeconds(10)));
    }

    [DistributedFact]
    public async Task CtrlD_OnAnEmptyLine_StopsTheNode()
    {
        var (shell, _) = await StartShellAsync("shell");

        shell.Type(CtrlD);

        Assert.Equal(0, await shell.WaitForExitAsync(TimeSpan.FromSeconds(10)));
    }

    [DistributedFact]
    public async Task CtrlC_WhileACommandRuns_StopsWaitingForIt()
    {
        var (foo, _) = await Cluster.StartNodeAsync("foo");
        var (shell, prompt) = await StartShellAsync("shell");

        shell.Type($"rpc {foo} Timer.Sleep 60000\r");
        await shell.WaitForScreenAsync(s => s.Rows.Contains($"{prompt} rpc {foo} Timer.Sleep 60000"), "the command running");
        shell.Type(CtrlC);

        await shell.WaitForScreenAsync(s => s.Rows.Any(r => r.StartsWith("** (interrupted)", StringComparison.Ordinal)) && s.CursorRow == prompt, "the wait abandoned", TimeSpan.FromSeconds(10));
        shell.Type("node\r");
        await shell.WaitForScreenAsync(s => s.Rows.Contains(Cluster.NameOf("shell").ToString()), "the node still answering");
    }

    [DistributedFact]
    public async Task Tab_CompletesCommands_AndNodeNamesFromTheTable()
    {
        var nodes = Cluster.WriteNodesFile();
        var (shell, prompt) = await StartShellAsync("shell", "--nodes", nodes);
        var foo = Cluster.NameOf("foo");

        shell.Type("pi\t");
        await shell.WaitForScreenAsync(s => s.CursorRow == $"{prompt} ping", "the command completed");
        shell.Type($"{foo.Name[..2]}\t");
        await shell.WaitForScreenAsync(s => s.CursorRow == $"{prompt} ping {foo}", "the node name completed");
        shell.Type("\r");
        await shell.WaitForScreenAsync(s => s.Rows.Contains("pang"), "the completed name understood (foo does not run)");

        shell.Type("c\t");
        await shell.WaitForScreenAsync(s => s.Rows.Contains("connect  create") && s.CursorRow == $"{prompt} c", "both candidates listed above the prompt");
    }

    [DistributedFact]
    public async Task BucketVerbs_GoThroughTheRouter_ToTheNodeThatOwnsTheBucket()
    {
        var nodes = Cluster.WriteNodesFile();
        var (_, _, foo) = await Cluster.StartServingNodeAsync("foo", extra: ["--nodes", nodes]);
        var (shell, prompt) = await StartShellAsync("bar", "--nodes", nodes);

        shell.Type("get apples milk\r");
        await shell.WaitForScreenAsync(s => s.Rows.Any(r => r.StartsWith("** not found", StringComparison.Ordinal)), "no bucket yet");
        shell.Type("create apples\r");
        await shell.WaitForScreenAsync(s => Count(s, ":ok") == 1, "the bucket created");
        shell.Type("put apples milk \"3 bottles\"\r");
        await shell.WaitForScreenAsync(s => Count(s, ":ok") == 2, "the value stored");
        shell.Type("get apples milk\r");
        await shell.WaitForScreenAsync(s => s.Rows.Contains("\"3 bottles\"") && s.CursorRow == prompt, "the value read back");

        // apples is foo's bucket (a-m): the value is there, not on the shell's node.
        await using var client = await TextClient.ConnectAsync(foo);
        Assert.Equal("3 bottles", await client.CommandAsync("GET apples milk"));
        Assert.Equal("OK", await client.ReadLineAsync());

        shell.Type("delete apples milk\r");
        await shell.WaitForScreenAsync(s => Count(s, ":ok") == 3, "the key deleted");
        Assert.Equal(string.Empty, await client.CommandAsync("GET apples milk"));
    }

    [DistributedFact]
    public async Task OutputOfProcesses_IsPrintedAboveThePrompt_AndTheInputDrawnAgain()
    {
        var (shell, prompt) = await StartShellAsync("shell");
        var node = Cluster.NameOf("shell");
        shell.Type("get sho");
        await shell.WaitForScreenAsync(s => s.CursorRow == $"{prompt} get sho", "the typed input");

        // What a process writes reaches the node's console group leader ("user"), as remote output does.
        Cluster.Self.Send("user", node, new object?[] { GroupLeaderWriter.IoRequest, "hello from afar\npart" });
        Cluster.Self.Send("user", node, new object?[] { GroupLeaderWriter.IoRequest, "ial line\n" });

        await shell.WaitForScreenAsync(
            s => s.Rows.Contains("partial line") && s.CursorRow == $"{prompt} get sho" && s.CursorColumn == $"{prompt} get sho".Length,
            "the output above, the prompt and input drawn again below it");
        var rows = shell.Read(s => s.Rows);
        var hello = rows.ToList().IndexOf("hello from afar");
        Assert.True(hello > 0 && rows[hello + 1] == "partial line" && rows[hello + 2] == $"{prompt} get sho", $"expected the output above the prompt:\n{shell.Screen}");
        Assert.DoesNotContain(rows, r => r.Contains("afar", StringComparison.Ordinal) && r.Contains("kv(", StringComparison.Ordinal));

        shell.Type("pping milk\r");
        await shell.WaitForScreenAsync(s => s.Rows.Contains($"{prompt} get shopping milk"), "the input went on where it was");
    }

    [DistributedFact]
    public async Task OutputWhileTyping_NeverMixesWithTheInput()
    {
        var (shell, prompt) = await StartShellAsync("shell");
        var node = Cluster.NameOf("shell");

        // Output and keys at once: the editor draws the line at every key while lines arrive.
        const int Lines = 100;
        var typing = Task.Run(async () =>
        {
            foreach (var key in "get shopping")
            {
                shell.Type(key.ToString());
                await Task.Delay(5, Ct);
            }
        }, Ct);
        for (var i = 0; i < Lines; i++)
        {
            Cluster.Self.Send("user", node, new object?[] { GroupLeaderWriter.IoRequest, $"line {i}\n" });
        }

        await typing;
        await shell.WaitForScreenAsync(
            s => s.Rows.Contains($"line {Lines - 1}") && s.CursorRow == $"{prompt} get shopping",
            "every line above, the input intact below");
        var printed = shell.Read(s => s.Rows).Where(r => r.StartsWith("line ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(Enumerable.Range(0, Lines).Select(i => $"line {i}"), printed);
    }

    [DistributedFact]
    public async Task HelpForOneCommand_ShowsItsUsage()
    {
        var (shell, _) = await StartShellAsync("shell");

        shell.Type("help put\r");

        await shell.WaitForScreenAsync(s => s.Rows.Contains("put BUCKET KEY VALUE") && s.Rows.Any(r => r.Contains("through the router", StringComparison.Ordinal)), "put's help");
    }

    /// <summary>Starts a node whose console is a terminal and waits for its first prompt.</summary>
    private async Task<(TerminalProcess Shell, string Prompt)> StartShellAsync(string name, params string[] extra)
    {
        var shell = Cluster.StartTerminal(name, NodeCluster.CookieValue, ["--port", "0", "--bind", "127.0.0.1", .. extra]);
        var prompt = $"kv({Cluster.NameOf(name)})>";
        await shell.WaitForScreenAsync(s => s.CursorRow == prompt, "the first prompt");
        return (shell, prompt);
    }

    private static int Count(VirtualScreen screen, string row) => screen.Rows.Count(r => r == row);
}

using System.Text.RegularExpressions;
using Kv.Distribution.Rpc;
using Kv.Distribution.Servers;
using Kv.Distribution.Tasks;
using Kv.Distribution.Terms;
using Kv.Tests.Support;

namespace Kv.Tests.Distribution;

/// <summary>
/// The source chapter's demonstrations, between real console-host processes: foo exports the
/// <c>Hello</c> module (<c>--load Hello</c>), bar does not.
/// </summary>
[Trait("distributed", "true")]
public sealed partial class ChapterWalkthroughTests : ClusterTestBase
{
    [DistributedFact]
    public async Task SpawnHelloWorldOnFoo_FromBar_PrintsOnBarNotOnFoo()
    {
        var (foo, fooProcess) = await Cluster.StartNodeAsync("foo", extra: ["--load", "Hello"]);

        var bar = Cluster.StartProcess("bar", NodeCluster.CookieValue, ["--eval", $"rpc {Cluster.NameOf("bar")} Hello.World; spawn {foo} Hello.World"]);

        Assert.Equal(1, await bar.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains("Hello.World is undefined on", bar.Output, StringComparison.Ordinal);
        Assert.Matches(HelloWorldLine(), bar.Output);
        Assert.Contains($"#PID<{foo}.", bar.Output, StringComparison.Ordinal);
        Assert.DoesNotMatch(HelloWorldLine(), fooProcess.Output);
    }

    [DistributedFact]
    public async Task PingPong_WithAPidSpawnedOnAnotherNode()
    {
        var (foo, _) = await Cluster.StartNodeAsync("foo", extra: ["--load", "Hello"]);
        var answer = new TaskCompletionSource<object?>();

        Cluster.Self.Spawn(async context =>
        {
            var pid = await context.SpawnAsync(foo, "Hello", "Pong", [], cancellationToken: Ct);
            context.Send(pid, new object?[] { new Atom("ping"), context.Self });
            answer.SetResult(await context.ReceiveAsync(TimeSpan.FromSeconds(5)));
        });

        Assert.Equal(new Atom("pong"), await answer.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct));
    }

    [DistributedFact]
    public async Task CallToANamedServer_OnTheOtherNode()
    {
        var (foo, _) = await Cluster.StartNodeAsync("foo");
        var registry = ServerRef.To("KV.Registry", foo);

        Assert.Equal(false, await GenServer.CallAsync(Cluster.Self, registry, new object?[] { "lookup", "shopping" }, cancellationToken: Ct));
        Assert.Equal("ok", await GenServer.CallAsync(Cluster.Self, registry, new object?[] { "create", "shopping" }, cancellationToken: Ct));
        Assert.Equal(true, await GenServer.CallAsync(Cluster.Self, registry, new object?[] { "lookup", "shopping" }, cancellationToken: Ct));
    }

    [DistributedFact]
    public async Task AsyncOnTheOtherNodesTaskSupervisor_ReturnsThatNodesName()
    {
        var (foo, _) = await Cluster.StartNodeAsync("foo");

        var task = await TaskSupervisor.Async(Cluster.Self, ServerRef.To("RouterTasks", foo), "Kernel", "Node", [], Ct);

        Assert.Equal(foo.ToString(), await task.AwaitAsync(cancellationToken: Ct));
    }

    [DistributedFact]
    public async Task FunctionTheOtherNodeDoesNotExport_IsUndefined()
    {
        var (bar, _) = await Cluster.StartNodeAsync("bar");

        var error = await Assert.ThrowsAsync<RpcException>(() => Cluster.Self.CallAsync(bar, "Hello", "World", [], cancellationToken: Ct));

        Assert.Equal(RpcFailure.Undefined, error.Failure);
        Assert.Contains("Hello.World is undefined", error.Message, StringComparison.Ordinal);
    }

    [DistributedFact]
    public async Task OutputOfAnRpc_AndOfATask_ComeBackToTheCaller()
    {
        var (foo, fooProcess) = await Cluster.StartNodeAsync("foo", extra: ["--load", "Hello"]);

        await Cluster.Self.CallAsync(foo, "Hello", "World", [], cancellationToken: Ct);
        var task = await TaskSupervisor.Async(Cluster.Self, ServerRef.To("RouterTasks", foo), "Hello", "World", [], Ct);
        await task.AwaitAsync(cancellationToken: Ct);

        await Cluster.Self.FlushConsoleAsync(TimeSpan.FromSeconds(2));
        Assert.Equal($"hello world{Environment.NewLine}hello world{Environment.NewLine}", Cluster.SelfConsole.ToString());
        Assert.DoesNotMatch(HelloWorldLine(), fooProcess.Output);
    }

    [GeneratedRegex("^hello world$", RegexOptions.Multiline)]
    private static partial Regex HelloWorldLine();
}

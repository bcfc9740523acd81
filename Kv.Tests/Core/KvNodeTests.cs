using System.Net;
using Kv.Core.Application;
using Kv.Core.Buckets;
using Kv.Core.Routing;
using Kv.Distribution.Nodes;
using Kv.Distribution.Rpc;
using Kv.Distribution.Terms;
using Kv.Tests.Support;

namespace Kv.Tests.Core;

/// <summary>
/// <see cref="KvNode.StartAsync"/>, the one call that sets up a node from code as the console host
/// does: what it exports, the router and the application tree, asked from another node.
/// </summary>
public sealed class KvNodeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A module of one's own, static as the console host's <c>Hello</c> is.</summary>
    [ExportModule("Greeter")]
    public static class Greeter
    {
        [Export("Greet")]
        public static string Greet(string name) => $"hello {name}";
    }

    private static KvNodeOptions OptionsFor(TestNodes nodes, string name, RoutingTable? table = null, params Type[] modules) => new()
    {
        Node = new NodeOptions
        {
            Name = nodes.NameOf(name),
            Cookie = "secret",
            Directory = nodes.Directory,
            ListenAddress = IPAddress.Loopback,
            Console = TextWriter.Null,
        },
        Router = table is null ? null : new Router(table, new BucketRegistry()),
        Modules = modules,

        // Console.Out is the test runner's, for the whole process: left alone here.
        ForwardConsole = false,
    };

    [Fact]
    public async Task StartAsync_ExportsWhatTheConsoleHostExports_AndOnesOwnStaticModule()
    {
        await using var nodes = new TestNodes();
        var peer = await nodes.StartAsync("peer");
        await using var kv = await KvNode.StartAsync(OptionsFor(nodes, "kv", modules: typeof(Greeter)), nodes.LoggerFactory, cancellationToken: Ct);
        var name = kv.Node.Name;

        Assert.Equal("ok", await peer.CallAsync(name, "Timer", "Sleep", [1], cancellationToken: Ct));
        Assert.Equal("hello world", await peer.CallAsync(name, "Greeter", "Greet", ["world"], cancellationToken: Ct));
        Assert.Equal("ok", await peer.CallAsync(name, KvExports.RegistryModule, KvExports.Create, ["shopping"], cancellationToken: Ct));
        Assert.True(kv.Registry.TryLookup("shopping", out _));

        var echoed = new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously);
        peer.Spawn(async context =>
        {
            var echo = await context.SpawnAsync(name, "Process", "Echo", [], cancellationToken: Ct);
            context.Send(echo, new object?[] { context.Self, "ping" });
            echoed.SetResult(await context.ReceiveAsync(TimeSpan.FromSeconds(5)));
        });
        Assert.Equal("ping", await echoed.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct));
    }

    [Fact]
    public async Task StartAsync_AttachesTheRouter_AndStartsTheApplicationTree()
    {
        await using var nodes = new TestNodes();
        var table = new RoutingTable([new RoutingEntry((byte)'a', (byte)'m', nodes.NameOf("foo")), new RoutingEntry((byte)'n', (byte)'z', nodes.NameOf("bar"))]);
        await using var foo = await KvNode.StartAsync(OptionsFor(nodes, "foo", table), nodes.LoggerFactory, cancellationToken: Ct);
        await using var bar = await KvNode.StartAsync(OptionsFor(nodes, "bar", table), nodes.LoggerFactory, cancellationToken: Ct);

        Assert.NotNull(foo.Node.WhereIs(KvApplication.SupervisorName));
        Assert.NotNull(foo.Node.WhereIs(RegistryServer.Name));
        Assert.Equal(bar.Node.Name.ToString(), await foo.Router.RouteAsync("world", "Kernel", "Node", [], Ct));
        Assert.Equal(BucketStatus.Ok, (await foo.Router.ExecuteAsync(BucketRequest.Create("world"), Ct)).Status);
        Assert.True(bar.Registry.TryLookup("world", out _));
        Assert.False(foo.Registry.TryLookup("world", out _));
    }

    [Fact]
    public async Task StartAsync_AModuleWithNothingExported_Throws_AndLeavesNoNodeRunning()
    {
        await using var nodes = new TestNodes();

        var error = await Assert.ThrowsAsync<ArgumentException>(() => KvNode.StartAsync(OptionsFor(nodes, "kv", modules: typeof(Atom)), nodes.LoggerFactory, cancellationToken: Ct));

        Assert.Contains("no static method marked [Export]", error.Message, StringComparison.Ordinal);
        Assert.Null(await nodes.Directory.ResolveAsync(nodes.NameOf("kv"), Ct));
    }

    [Fact]
    public async Task ABareNode_ExportsTimerSleep_AsTheReadmeSaysEveryNodeDoes()
    {
        await using var nodes = new TestNodes();
        var foo = await nodes.StartAsync("foo");
        var bar = await nodes.StartAsync("bar");

        Assert.Equal("ok", await foo.CallAsync(bar.Name, "Timer", "Sleep", [1], cancellationToken: Ct));
    }

    [Fact]
    public void RegisterModule_OfAClassWhoseExportsAreInstanceMethods_SaysToPassAnInstance()
    {
        var error = Assert.Throws<ArgumentException>(() => new FunctionRegistry().RegisterModule<InstanceModule>());

        Assert.Contains("export an instance of it", error.Message, StringComparison.Ordinal);
    }

    public sealed class InstanceModule(string greeting)
    {
        [Export]
        public string Hello() => greeting;
    }
}

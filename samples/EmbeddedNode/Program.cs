// Starts a kv node named baz (or args[0]) and talks to foo (or args[1]), which must be running:
// `dotnet run --project Kv.Server -- --sname foo`. The README shows the lines between the markers
// verbatim (Kv.Tests' ReadmeSamplesTests checks it); SampleTests runs it against a node process.
// <readme>
using Kv.Core.Application;
using Kv.Core.Buckets;
using Kv.Core.Routing;
using Kv.Distribution.Nodes;
using Kv.Distribution.PortMapper;
using Kv.Samples.EmbeddedNode;
using Microsoft.Extensions.Logging.Abstractions;

var self = NodeName.Parse(args.Length > 0 ? args[0] : "baz");
var foo = NodeName.Parse(args.Length > 1 ? args[1] : "foo");

// Router attached, KV.Supervisor's tree, console forwarding, kv's exports (Timer.Sleep too) and Greeter:
await using var baz = await KvNode.StartAsync(new KvNodeOptions
{
    Node = new NodeOptions
    {
        Name = self,
        Cookie = Cookie.Resolve(null),                // KV_COOKIE, else ~/.kv.cookie
        Directory = new PortMapperDirectory(PortMapperOptions.FromEnvironment(), NullLoggerFactory.Instance),
    },
    Router = new Router(NodesFile.Load(null).Table, new BucketRegistry()),   // ./nodes.json, if there is one
    Modules = [typeof(Greeter)],                      // one's own exports: a static class is fine
});

Console.WriteLine(await baz.Node.CallAsync(foo, "Kernel", "Node", []));                     // "foo@host"
Console.WriteLine(await baz.Node.CallAsync(foo, "Timer", "Sleep", [10]));                   // "ok"
Console.WriteLine(await baz.Node.CallAsync(baz.Node.Name, "Greeter", "Hello", ["world"]));  // "hello world"

var apples = await baz.Router.CreateAsync("apples");  // on the node nodes.json names for "a"
await apples.PutAsync("milk", "1");
Console.WriteLine($"apples: milk={await apples.GetAsync("milk")}");
// </readme>

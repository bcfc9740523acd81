using Kv.Core.Buckets;
using Kv.Core.Routing;
using Kv.Distribution;
using Kv.Distribution.Nodes;

namespace Kv.Benchmarks.Load;

/// <summary>
/// Each caller routes <c>Kernel.Node</c> for the bucket "zebras" through a Router whose table gives
/// every bucket to the server node, and checks the answer is that node: the chapter's
/// <c>KV.Router.route("world", Kernel, :node, [])</c>.
/// </summary>
internal sealed class RoutedCallWorkload : ILoadWorkload
{
    private readonly Router _router;
    private readonly string _expected;

    public RoutedCallWorkload(Node self, NodeName owner)
    {
        _router = new Router(new RoutingTable([new RoutingEntry(0, 255, owner)]), new BucketRegistry());
        _router.Attach(self);
        _expected = owner.ToString();
    }

    public int BatchSize => 1;

    public Task<ILoadConnection> OpenAsync(int index, CancellationToken cancellationToken) =>
        Task.FromResult<ILoadConnection>(new Caller(this));

    private sealed class Caller(RoutedCallWorkload workload) : ILoadConnection
    {
        public async ValueTask<int> RunBatchAsync(CancellationToken cancellationToken)
        {
            var reply = await workload._router.RouteAsync("zebras", "Kernel", "Node", [], cancellationToken);
            return reply as string == workload._expected
                ? 1
                : throw new InvalidDataException($"the route answered {reply ?? "nil"}, expected {workload._expected}.");
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

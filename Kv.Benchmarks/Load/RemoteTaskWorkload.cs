using Kv.Distribution;
using Kv.Distribution.Nodes;
using Kv.Distribution.Servers;
using Kv.Distribution.Tasks;

namespace Kv.Benchmarks.Load;

/// <summary>Each caller runs <c>Kernel.Node</c> under the server node's <c>RouterTasks</c> and awaits it, checking the answer.</summary>
internal sealed class RemoteTaskWorkload(Node self, NodeName server) : ILoadWorkload
{
    public int BatchSize => 1;

    public Task<ILoadConnection> OpenAsync(int index, CancellationToken cancellationToken) =>
        Task.FromResult<ILoadConnection>(new Caller(self, server));

    private sealed class Caller(Node self, NodeName server) : ILoadConnection
    {
        private readonly ServerRef _tasks = ServerRef.To("RouterTasks", server);
        private readonly string _expected = server.ToString();

        public async ValueTask<int> RunBatchAsync(CancellationToken cancellationToken)
        {
            var task = await TaskSupervisor.Async(self, _tasks, "Kernel", "Node", [], cancellationToken);
            var reply = await task.AwaitAsync(cancellationToken: cancellationToken);
            return reply as string == _expected
                ? 1
                : throw new InvalidDataException($"the task answered {reply ?? "nil"}, expected {_expected}.");
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

using Kv.Distribution;
using Kv.Distribution.Nodes;

namespace Kv.Benchmarks.Load;

/// <summary>
/// Remote calls from a node in this process to a node process: each "connection" is one caller
/// loop doing <c>Kernel.Node</c> on the server node and checking that the reply is its name.
/// </summary>
internal sealed class RpcWorkload(Node self, NodeName server) : ILoadWorkload
{
    public int BatchSize => 1;

    public Task<ILoadConnection> OpenAsync(int index, CancellationToken cancellationToken) =>
        Task.FromResult<ILoadConnection>(new Caller(self, server));

    private sealed class Caller(Node self, NodeName server) : ILoadConnection
    {
        private readonly string _expected = server.ToString();

        public async ValueTask<int> RunBatchAsync(CancellationToken cancellationToken)
        {
            var reply = await self.CallAsync(server, "Kernel", "Node", [], cancellationToken: cancellationToken);
            return reply as string == _expected
                ? 1
                : throw new InvalidDataException($"Kernel.Node answered {reply ?? "nil"}, expected {_expected}.");
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

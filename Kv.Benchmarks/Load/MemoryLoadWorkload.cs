using System.Net;
using System.Runtime.CompilerServices;
using System.Text;

namespace Kv.Benchmarks.Load;

/// <summary>
/// Fills one bucket with every key of <paramref name="data"/>, once: connection <c>i</c> of
/// <paramref name="connections"/> PUTs keys <c>i</c>, <c>i + connections</c>, ... in pipelined
/// batches, checks each <c>OK</c>, and reports no more work when its share is stored.
/// </summary>
/// <remarks>
/// A connection reopened after a failure resumes at its first batch not confirmed: PUT is
/// idempotent, so storing a key twice leaves the same data.
/// </remarks>
internal sealed class MemoryLoadWorkload(IPEndPoint target, KeyValueBytes data, int pipeline, int connections, string bucket) : ILoadWorkload
{
    // Per connection, the next key of its share not yet confirmed.
    private readonly int[] _nextKey = [.. Enumerable.Range(0, connections)];

    public int BatchSize => pipeline;

    public async Task<ILoadConnection> OpenAsync(int index, CancellationToken cancellationToken)
    {
        var socket = await TextRequests.ConnectAndCreateAsync(target, data, bucket, cancellationToken);
        return new Connection(socket, bucket, data, pipeline, stride: connections, _nextKey, index);
    }

    private sealed class Connection : ILoadConnection
    {
        private readonly LineSocket _socket;
        private readonly string _bucketName;
        private readonly byte[] _bucket;
        private readonly KeyValueBytes _data;
        private readonly int _pipeline;
        private readonly int _stride;
        private readonly int[] _nextKey;
        private readonly int _index;
        private readonly byte[] _send;

        public Connection(LineSocket socket, string bucket, KeyValueBytes data, int pipeline, int stride, int[] nextKey, int index)
        {
            _socket = socket;
            _bucketName = bucket;
            _bucket = Encoding.ASCII.GetBytes(bucket);
            _data = data;
            _pipeline = pipeline;
            _stride = stride;
            _nextKey = nextKey;
            _index = index;
            _send = new byte[pipeline * TextRequests.MaxPutLength(_bucket, data)];
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        public async ValueTask<int> RunBatchAsync(CancellationToken cancellationToken)
        {
            var (length, count, next) = WriteBatch();
            if (count == 0)
            {
                return 0;
            }

            await _socket.SendAsync(_send.AsMemory(0, length), cancellationToken);
            for (var i = 0; i < count; i++)
            {
                await _socket.ReadLineAsync(cancellationToken);
                TextRequests.ExpectOk(_socket.Line, "PUT", _bucketName);
            }

            _nextKey[_index] = next;
            return count;
        }

        public ValueTask DisposeAsync() => _socket.DisposeAsync();

        private (int Length, int Count, int Next) WriteBatch()
        {
            var span = _send.AsSpan();
            int length = 0, count = 0, key = _nextKey[_index];
            for (; count < _pipeline && key < _data.KeyCount; count++, key += _stride)
            {
                length += TextRequests.WritePut(span[length..], _bucket, _data, key, version: 1);
            }

            return (length, count, key);
        }
    }
}

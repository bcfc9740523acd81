using System.Net;
using System.Runtime.CompilerServices;
using System.Text;

namespace Kv.Benchmarks.Load;

/// <summary>
/// The text server's mixed load: each connection creates a bucket of its own, then alternates PUT
/// and GET on random keys of it, <c>pipeline</c> requests per batch, and checks every reply against
/// what it last stored under the key.
/// </summary>
/// <remarks>
/// Bucket names carry <paramref name="runTag"/> and a generation, so a run never meets a bucket of
/// an earlier run (or of another invocation against the same server), and a connection reopened
/// after a failure starts from an empty bucket whose contents it knows.
/// </remarks>
internal sealed class TextServerWorkload(IPEndPoint target, KeyValueBytes data, int pipeline, string runTag) : ILoadWorkload
{
    private int _generation;

    public int BatchSize => pipeline;

    public async Task<ILoadConnection> OpenAsync(int index, CancellationToken cancellationToken)
    {
        var bucket = $"{runTag}c{index}g{Interlocked.Increment(ref _generation)}";
        var socket = await TextRequests.ConnectAndCreateAsync(target, data, bucket, cancellationToken);
        return new Connection(socket, bucket, data, pipeline, seed: (ulong)index + 1);
    }

    /// <summary>One connection's state: what it stored, and the batch in flight.</summary>
    private sealed class Connection : ILoadConnection
    {
        private readonly LineSocket _socket;
        private readonly string _bucketName;
        private readonly byte[] _bucket;
        private readonly KeyValueBytes _data;
        private readonly byte[] _send;

        // Per key, the version this connection last PUT (0: never); the server applies requests in
        // order, so a GET expects the version current when the GET was written into the batch.
        private readonly long[] _versions;
        private readonly int[] _batchKeys;
        private readonly bool[] _batchPuts;
        private readonly long[] _batchExpected;
        private ulong _random;
        private long _lastVersion;
        private long _requests;

        public Connection(LineSocket socket, string bucket, KeyValueBytes data, int pipeline, ulong seed)
        {
            _socket = socket;
            _bucketName = bucket;
            _bucket = Encoding.ASCII.GetBytes(bucket);
            _data = data;
            _send = new byte[pipeline * TextRequests.MaxPutLength(_bucket, data)];
            _versions = new long[data.KeyCount];
            _batchKeys = new int[pipeline];
            _batchPuts = new bool[pipeline];
            _batchExpected = new long[pipeline];
            _random = seed * 0x9E3779B97F4A7C15UL;
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        public async ValueTask<int> RunBatchAsync(CancellationToken cancellationToken)
        {
            var length = WriteBatch();
            await _socket.SendAsync(_send.AsMemory(0, length), cancellationToken);
            for (var i = 0; i < _batchKeys.Length; i++)
            {
                await _socket.ReadLineAsync(cancellationToken);
                if (_batchPuts[i])
                {
                    TextRequests.ExpectOk(_socket.Line, "PUT", _bucketName);
                    continue;
                }

                CheckValue(_socket.Line, i);
                await _socket.ReadLineAsync(cancellationToken);
                TextRequests.ExpectOk(_socket.Line, "GET", _bucketName);
            }

            return _batchKeys.Length;
        }

        public ValueTask DisposeAsync() => _socket.DisposeAsync();

        private int WriteBatch()
        {
            var span = _send.AsSpan();
            var length = 0;
            for (var i = 0; i < _batchKeys.Length; i++)
            {
                var key = NextKey();
                _batchKeys[i] = key;

                // Requests alternate PUT, GET across batches: 1:1 at any pipeline depth.
                _batchPuts[i] = _requests++ % 2 == 0;
                if (_batchPuts[i])
                {
                    var version = ++_lastVersion;
                    _versions[key] = version;
                    length += TextRequests.WritePut(span[length..], _bucket, _data, key, version);
                }
                else
                {
                    _batchExpected[i] = _versions[key];
                    length += TextRequests.WriteGet(span[length..], _bucket, _data, key);
                }
            }

            return length;
        }

        private void CheckValue(ReadOnlySpan<byte> line, int position)
        {
            var key = _batchKeys[position];
            var version = _batchExpected[position];
            var ok = line.EndsWith("\r\n"u8) && (version == 0
                ? line.Length == 2
                : _data.IsValue(line[..^2], key, version));
            if (!ok)
            {
                var expected = version == 0 ? "an empty line (never PUT)" : $"the {_data.ValueSize}-byte value of version {version}";
                throw TextRequests.Unexpected(line, $"GET {_bucketName} k{key}", expected);
            }
        }

        /// <summary>xorshift64*: a uniform key without allocation or locking.</summary>
        private int NextKey()
        {
            _random ^= _random >> 12;
            _random ^= _random << 25;
            _random ^= _random >> 27;
            return (int)((_random * 0x2545F4914F6CDD1DUL >> 33) % (ulong)_versions.Length);
        }
    }
}

namespace Kv.Benchmarks.Load;

/// <summary>
/// What a load does over one connection, for <see cref="LoadRunner"/>: the runner owns time,
/// concurrency, latency and failures; a workload only opens connections and runs batches on them.
/// </summary>
internal interface ILoadWorkload
{
    /// <summary>Requests per batch: the pipeline depth, for the report and for counting a failed batch.</summary>
    int BatchSize { get; }

    /// <summary>
    /// Opens connection number <paramref name="index"/> and prepares it (for example creates its
    /// bucket). Called again after a failure; the new connection must not depend on the failed one.
    /// </summary>
    Task<ILoadConnection> OpenAsync(int index, CancellationToken cancellationToken);
}

/// <summary>One open connection of a workload, used by one loop at a time.</summary>
internal interface ILoadConnection : IAsyncDisposable
{
    /// <summary>
    /// Sends one batch of requests, reads and checks every reply.
    /// </summary>
    /// <returns>The requests answered as expected; 0 when the connection has no work left.</returns>
    /// <exception cref="InvalidDataException">A reply was not the one expected.</exception>
    /// <exception cref="IOException">The connection failed or was closed.</exception>
    /// <exception cref="System.Net.Sockets.SocketException">The connection failed.</exception>
    ValueTask<int> RunBatchAsync(CancellationToken cancellationToken);
}

using System.Net;
using System.Net.Sockets;
using Kv.Core.Routing;
using Kv.Distribution.Support;
using Kv.Server.Protocol;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Kv.Server.Tcp;

/// <summary>
/// The TCP text server: binds at start, accepts clients in one loop and serves each in its own
/// <see cref="ClientSession"/>. Stopping closes the listener and every open connection.
/// </summary>
internal sealed class KvTcpServer(
    IOptions<KvServerOptions> options,
    Router router,
    ServerMetrics metrics,
    ILogger<KvTcpServer> logger) : IHostedService, IAsyncDisposable
{
    private const int Backlog = 1024;

    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskTracker _sessions = new();
    private readonly CommandRunner _runner = new(router, logger);
    private Socket? _listener;
    private IPEndPoint? _localEndPoint;
    private Task _acceptLoop = Task.CompletedTask;

    /// <summary>Where the server listens, once started (the real port when 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint =>
        _localEndPoint ?? throw new InvalidOperationException("The server has not started.");

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var endPoint = new IPEndPoint(IPAddress.Parse(settings.Bind), settings.Port);
        var listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(endPoint);
            listener.Listen(Backlog);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        _listener = listener;
        _localEndPoint = (IPEndPoint)listener.LocalEndPoint!;
        ServerLog.Listening(logger, _localEndPoint);
        _acceptLoop = AcceptLoopAsync(listener, settings.MaxLineLength);
        return Task.CompletedTask;
    }

    /// <summary>Closes the listener and every connection; waits for them to end. Stopping twice does nothing.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var listener = Interlocked.Exchange(ref _listener, null);
        if (listener is null)
        {
            return;
        }

        await _stopping.CancelAsync();
        listener.Dispose();
        await _acceptLoop.WaitAsync(cancellationToken);
        await _sessions.WhenAll().WaitAsync(cancellationToken);
        ServerLog.StoppedListening(logger, LocalEndPoint);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync(Socket listener, int maxLineLength)
    {
        var endPoint = listener.LocalEndPoint!;
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(_stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException) when (_stopping.IsCancellationRequested)
            {
                // The listener was closed by StopAsync before the accept saw the cancellation.
                return;
            }
            catch (SocketException ex)
            {
                // A client that resets before we accept it, or a transient resource shortage:
                // log and keep accepting.
                ServerLog.AcceptFailed(logger, endPoint, ex);
                continue;
            }

            client.NoDelay = true;
            _sessions.Add(RunSessionAsync(client, maxLineLength));
        }
    }

    private async Task RunSessionAsync(Socket client, int maxLineLength)
    {
        // Yield first so that the accept loop goes on while this client is served.
        await Task.Yield();

        // The session completes the pipes; only then is the socket closed (SocketDuplexPipe).
        await using var transport = new SocketDuplexPipe(client);
        var session = new ClientSession(transport, transport.RemoteEndPoint, _runner, maxLineLength, metrics, logger);
        await session.RunAsync(_stopping.Token);
    }
}

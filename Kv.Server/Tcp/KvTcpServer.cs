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
/// <remarks>
/// <para>At most <see cref="MaxClients"/> clients are served at once: one more is accepted,
/// answered <c>ERROR max clients reached</c> and closed, and the loop goes on accepting. A failed
/// accept (out of file descriptors, say) waits before the next try, and a client that would hold
/// one of the process's last descriptors is refused the same way (<see cref="AcceptBackoff"/>).
/// With an idle timeout, one <see cref="IdleSweeper"/> closes the clients idle for longer.</para>
/// <para>Who is served, and what a request may hold, is the sessions' to decide
/// (<see cref="SessionSettings"/>, shared by every session): protected mode, the password, key
/// and value sizes.</para>
/// <para>What clients can make the server log over and over (refusals, lines too long) is logged
/// as a warning at most once a second, Debug otherwise.</para>
/// </remarks>
internal sealed class KvTcpServer(
    IOptions<KvServerOptions> options,
    Router router,
    ServerMetrics metrics,
    ILogger<KvTcpServer> logger) : IHostedService, IAsyncDisposable
{
    private const int Backlog = 1024;
    private static readonly TimeSpan s_warningInterval = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskTracker _sessions = new();
    private readonly CommandRunner _runner = new(router, logger);
    private readonly LogThrottle _refusalWarnings = new(s_warningInterval);
    private Socket? _listener;
    private IPEndPoint? _localEndPoint;
    private SessionSettings _sessionSettings = new();
    private IdleSweeper? _idleSweeper;
    private int _clients;
    private Task _acceptLoop = Task.CompletedTask;
    private Task _sweepLoop = Task.CompletedTask;

    /// <summary>Where the server listens, once started (the real port when 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint =>
        _localEndPoint ?? throw new InvalidOperationException("The server has not started.");

    /// <summary>The most clients served at once, once started: <see cref="KvServerOptions.MaxClients"/> or its default.</summary>
    public int MaxClients { get; private set; }

    /// <summary>The clients being served now.</summary>
    public int Clients => Volatile.Read(ref _clients);

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
        catch (SocketException ex) when (ListenFailure.Describe(ex, "the TCP port", endPoint, "--port", "--bind") is { } failure)
        {
            listener.Dispose();
            throw failure;
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        _listener = listener;
        _localEndPoint = (IPEndPoint)listener.LocalEndPoint!;
        ServerLog.Listening(logger, _localEndPoint);
        MaxClients = ChooseMaxClients(settings, out var source);
        if (settings.IdleTimeoutSeconds > 0)
        {
            _idleSweeper = new IdleSweeper(TimeSpan.FromSeconds(settings.IdleTimeoutSeconds));
            _sweepLoop = _idleSweeper.RunAsync(_stopping.Token);
        }

        ServerLog.Limits(logger, MaxClients, source, _idleSweeper is null ? "none" : $"{settings.IdleTimeoutSeconds} s");
        _sessionSettings = SessionSettings.From(settings);
        _acceptLoop = AcceptLoopAsync(listener);
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
        await _sweepLoop.WaitAsync(cancellationToken);
        await _sessions.WhenAll().WaitAsync(cancellationToken);
        ServerLog.StoppedListening(logger, LocalEndPoint);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        _stopping.Dispose();
    }

    private static int ChooseMaxClients(KvServerOptions settings, out string source)
    {
        if (settings.MaxClients is { } given)
        {
            source = "--max-clients";
            return given;
        }

        var limit = FileDescriptors.Limit();
        var open = FileDescriptors.CountOpen() ?? 0;
        source = limit is { } known
            ? $"the default for {known} file descriptors, {open} open: the rest less {KvServerOptions.ReservedFileDescriptors}, from {KvServerOptions.MaxClientsFloor} to {KvServerOptions.MaxClientsCap}"
            : "the default where the open-file limit is unknown or unlimited";
        return KvServerOptions.DefaultMaxClients(limit, open);
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        var backoff = new AcceptBackoff($"the text server {listener.LocalEndPoint}", logger);
        while (await backoff.AcceptAsync(listener, _stopping.Token, client => Refuse(client, atMaxClients: false)) is { } client)
        {
            // Only this loop takes slots (sessions give them back from any thread), so a count
            // read below the maximum stays below it until the increment.
            if (Volatile.Read(ref _clients) >= MaxClients)
            {
                Refuse(client, atMaxClients: true);
                continue;
            }

            Interlocked.Increment(ref _clients);
            client.NoDelay = true;
            _sessions.Add(RunSessionAsync(client));
        }
    }

    /// <summary>
    /// Answers <c>ERROR max clients reached</c> and closes the connection, without waiting: the
    /// send is non-blocking, and a fresh connection's send buffer takes the line at once. Logged
    /// here <paramref name="atMaxClients"/>; else the process is out of file descriptors, which the
    /// accept loop's back-off logs.
    /// </summary>
    private void Refuse(Socket client, bool atMaxClients)
    {
        metrics.Refused();
        try
        {
            if (atMaxClients)
            {
                ServerLog.MaxClientsReached(logger, _refusalWarnings, client.RemoteEndPoint, MaxClients);
            }

            client.Blocking = false;
            client.Send(Replies.MaxClientsReached, SocketFlags.None, out _);
        }
        catch (SocketException)
        {
            // The client is gone already.
        }
        finally
        {
            client.Dispose();
        }
    }

    private async Task RunSessionAsync(Socket client)
    {
        try
        {
            // Yield first so that the accept loop goes on while this client is served.
            await Task.Yield();

            // The session completes the pipes; only then is the socket closed (SocketDuplexPipe).
            await using var transport = new SocketDuplexPipe(client);
            var session = new ClientSession(transport, transport.RemoteEndPoint, _runner, _sessionSettings, metrics, logger);
            _idleSweeper?.Add(session);
            try
            {
                await session.RunAsync(_stopping.Token);
            }
            finally
            {
                _idleSweeper?.Remove(session);
            }
        }
        finally
        {
            // The socket is closed by now: the slot is free only once its file descriptor is.
            Interlocked.Decrement(ref _clients);
        }
    }
}

using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Kv.Distribution.PortMapper;

/// <summary>
/// This node's name in the port mapper of its host, held by an open connection: the name is
/// registered exactly as long as the connection lives. Made by <see cref="PortMapperClient.RegisterAsync"/>.
/// </summary>
/// <remarks>
/// When the connection drops (the node hosting the port mapper died), the registration tries to
/// bind the port-mapper port itself: of all the registrations racing, exactly one wins and hosts
/// the port mapper, and every one registers again with it, retrying every 20-50 ms until it has.
/// Disposing unregisters, and stops a port mapper this registration hosts; the other nodes then
/// take over the same way.
/// </remarks>
public sealed class PortMapperRegistration : IAsyncDisposable
{
    private readonly PortMapperOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _disposing = new();
    private PortMapperConnection? _connection;
    private PortMapperServer? _server;
    private Task _watch = Task.CompletedTask;
    private int _disposed;

    private PortMapperRegistration(string name, int port, PortMapperOptions options, ILoggerFactory loggerFactory)
    {
        Name = name;
        Port = port;
        _options = options;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<PortMapperRegistration>();
    }

    /// <summary>The registered name: the node's short name.</summary>
    public string Name { get; }

    /// <summary>The registered port: the node's distribution listen port.</summary>
    public int Port { get; }

    /// <summary>Whether this process hosts the port mapper of the host, now.</summary>
    public bool IsHostingServer => Volatile.Read(ref _server) is not null;

    /// <summary>Unregisters (closes the connection) and stops the port mapper this registration hosts, if any.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Stop the watch first: it is the only other code that replaces the connection or the server.
        await _disposing.CancelAsync();
        await _watch;
        if (_connection is not null)
        {
            _connection.Dispose();
            PortMapperLog.Unregistered(_logger, Name);
        }

        if (Interlocked.Exchange(ref _server, null) is { } server)
        {
            await server.DisposeAsync();
        }

        _disposing.Dispose();
    }

    /// <summary>Registers for the first time, then watches the connection; see <see cref="PortMapperClient.RegisterAsync"/>.</summary>
    internal static async Task<PortMapperRegistration> StartAsync(
        string name,
        int port,
        PortMapperOptions options,
        ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        var registration = new PortMapperRegistration(name, port, options, loggerFactory);
        try
        {
            (registration._connection, _) = await registration.RegisterAsync(firstTime: true, cancellationToken);
        }
        catch
        {
            await registration.DisposeAsync();
            throw;
        }

        PortMapperLog.Registered(registration._logger, name, port);
        registration._watch = registration.WatchAsync();
        return registration;
    }

    /// <summary>Runs <see cref="WatchLoopAsync"/>; never throws, so that disposing never does.</summary>
    private async Task WatchAsync()
    {
        try
        {
            await WatchLoopAsync();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            PortMapperLog.ReregistrationAbandoned(_logger, Name, ex);
        }
    }

    /// <summary>Waits for the connection to drop, and then registers again; until disposed.</summary>
    private async Task WatchLoopAsync()
    {
        var disposing = _disposing.Token;
        while (true)
        {
            var connection = _connection!;
            string reason;
            try
            {
                var (status, message) = await connection.ReadAsync(disposing);
                reason = status switch
                {
                    PortMapperReadStatus.Closed => "the port mapper closed it",
                    PortMapperReadStatus.Message => $"the port mapper sent a {message.Tag} message unasked",
                    _ => $"the port mapper sent bytes outside the protocol ({status})",
                };
            }
            catch (OperationCanceledException) when (disposing.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException ex)
            {
                reason = ex.Message;
            }

            PortMapperLog.RegistrationLost(_logger, Name, reason);
            connection.Dispose();
            _connection = null;
            try
            {
                // Race for the host role at once: the port mapper most likely died with its node.
                // Losing (the port is in use) is fine; registering finds whoever won.
                var started = Stopwatch.GetTimestamp();
                TryHost(out _, out _);
                (_connection, var attempts) = await RegisterAsync(firstTime: false, disposing);
                PortMapperLog.Reregistered(_logger, Name, attempts, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds, IsHostingServer);
            }
            catch (OperationCanceledException) when (disposing.IsCancellationRequested)
            {
                return;
            }
            catch (PortMapperException ex)
            {
                PortMapperLog.ReregistrationAbandoned(_logger, Name, ex);
                return;
            }
        }
    }

    /// <summary>
    /// Registers, hosting the port mapper when none listens, and retries with a back-off while
    /// the port is in transition. The first time, gives up after <see cref="PortMapperClient.FailoverWindow"/>;
    /// afterwards, only when disposed or when the port mapper refuses the name for good.
    /// </summary>
    private async Task<(PortMapperConnection Connection, int Attempts)> RegisterAsync(bool firstTime, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            string failure;
            Exception? cause = null;
            try
            {
                var (connection, refusal) = await TryRegisterOnceAsync(cancellationToken);
                if (connection is not null)
                {
                    return (connection, attempt);
                }

                // When our connection dropped but its port mapper lives on, the port mapper may not
                // have seen the close yet and still hold our old registration: retry NameInUse for
                // a while when registering again, never the first time.
                var refused = PortMapperException.Refused(refusal, Name, Port);
                if (firstTime || refusal != RefusalReason.NameInUse || Stopwatch.GetElapsedTime(started) >= _options.RequestTimeout)
                {
                    throw refused;
                }

                failure = refused.Message;
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
            {
                // No port mapper listens: try to become it, then register with ourselves at once.
                if (TryHost(out failure, out cause))
                {
                    continue;
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                failure = $"no answer within {_options.RequestTimeout.TotalMilliseconds} ms";
            }
            catch (Exception ex) when (ex is SocketException or IOException or PortMapperException { Error: PortMapperError.ProtocolError })
            {
                failure = ex.Message;
                cause = ex;
            }

            if (firstTime && Stopwatch.GetElapsedTime(started) >= PortMapperClient.FailoverWindow)
            {
                throw new PortMapperException(
                    PortMapperError.Unavailable,
                    $"Node '{Name}' could neither reach a port mapper on {_options.LoopbackAddress}:{_options.Port} nor host one ({failure}). If another program uses port {_options.Port}, set {PortMapperOptions.PortVariable} to a free port, the same for every node on this host.",
                    cause);
            }

            var delay = PortMapperClient.Backoff(attempt);
            PortMapperLog.AttemptFailed(_logger, Name, attempt, failure, (int)delay.TotalMilliseconds);
            await Task.Delay(delay, cancellationToken);
        }
    }

    /// <summary>One Register on a new connection: the connection when accepted, else the refusal.</summary>
    private async Task<(PortMapperConnection? Connection, RefusalReason Refusal)> TryRegisterOnceAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        var endPoint = new IPEndPoint(_options.LoopbackAddress, _options.Port);
        var connection = await PortMapperConnection.ConnectAsync(endPoint, timeout.Token);
        try
        {
            var request = new ArrayBufferWriter<byte>(64);
            PortMapperProtocol.WriteRegister(request, Name, Port);
            await connection.SendAsync(request, timeout.Token);
            var reply = await PortMapperClient.ReadReplyAsync(connection, timeout.Token);
            switch (reply.Tag)
            {
                case PortMapperTag.RegisterOk:
                    return (connection, default);
                case PortMapperTag.RegisterRefused:
                    connection.Dispose();
                    return (null, reply.Reason);
                default:
                    throw PortMapperClient.Unexpected(connection, reply.Tag);
            }
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Starts the port mapper in this process, unless another process was first.</summary>
    private bool TryHost(out string failure, out Exception? cause)
    {
        cause = null;
        if (_server is not null)
        {
            failure = "the port mapper this node hosts refused a connection";
            return false;
        }

        try
        {
            var server = PortMapperServer.Start(_options, _loggerFactory.CreateLogger<PortMapperServer>());
            Volatile.Write(ref _server, server);
            PortMapperLog.Hosting(_logger, Name, server.LocalEndPoint);
            failure = string.Empty;
            return true;
        }
        catch (SocketException ex)
        {
            failure = ex.SocketErrorCode == SocketError.AddressAlreadyInUse
                ? "another node took the port mapper's port first"
                : $"could not listen on {_options.BindAddress}:{_options.Port}: {ex.Message}";
            cause = ex;
            return false;
        }
    }
}

using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Kv.Distribution.Support;
using Microsoft.Extensions.Logging;

namespace Kv.Distribution.PortMapper;

/// <summary>
/// The registry of a host: name -> port, on a listening socket. Each connection is served by its
/// own <see cref="PortMapperSession"/>; a registration lives exactly as long as the connection that
/// made it. Stopping closes the listener and every connection, which is what the other nodes'
/// registrations notice to take over.
/// </summary>
internal sealed class PortMapperServer : IAsyncDisposable
{
    private const int Backlog = 128;

    private readonly Socket _listener;
    private readonly TimeSpan _requestTimeout;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<string, Entry> _names = new(StringComparer.Ordinal);
    private readonly TaskTracker _sessions = new();
    private readonly Task _acceptLoop;
    private int _stopped;

    private PortMapperServer(Socket listener, TimeSpan requestTimeout, ILogger logger)
    {
        _listener = listener;
        _requestTimeout = requestTimeout;
        _logger = logger;
        LocalEndPoint = (IPEndPoint)listener.LocalEndPoint!;
        PortMapperLog.Listening(logger, LocalEndPoint);
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>Where the server listens (the real port when 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Lets a refused registration be logged as a warning at most once a second (<see cref="PortMapperLog.RegistrationRefused"/>).</summary>
    public LogThrottle RefusalWarnings { get; } = new(TimeSpan.FromSeconds(1));

    /// <summary>Lets a connection closed for breaking the protocol be logged as a warning at most once a second (<see cref="PortMapperLog.ProtocolViolation"/>).</summary>
    public LogThrottle ViolationWarnings { get; } = new(TimeSpan.FromSeconds(1));

    /// <summary>
    /// Binds <see cref="PortMapperOptions.BindAddress"/>:<see cref="PortMapperOptions.Port"/> and
    /// starts serving. Of several processes racing for the port exactly one wins; the others get a
    /// <see cref="SocketException"/> with <see cref="SocketError.AddressAlreadyInUse"/>, from the
    /// bind or from the listen.
    /// </summary>
    public static PortMapperServer Start(PortMapperOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var endPoint = new IPEndPoint(options.BindAddress, options.Port);
        var listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6 && endPoint.Address.Equals(IPAddress.IPv6Any))
            {
                listener.DualMode = true;
            }

            // .NET sets SO_REUSEADDR on Unix, so a port whose last server left connections in
            // TIME_WAIT can be taken over at once; two binds may then both succeed, but only one
            // listen does.
            listener.Bind(endPoint);
            listener.Listen(Backlog);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        return new PortMapperServer(listener, options.RequestTimeout, logger);
    }

    /// <summary>
    /// Whether a peer at <paramref name="remote"/> may register: only loopback addresses, IPv4
    /// (127.0.0.0/8), IPv6 (::1) or IPv4 mapped into IPv6 (::ffff:127.x.y.z).
    /// </summary>
    public static bool IsLoopbackPeer(EndPoint? remote)
    {
        if (remote is not IPEndPoint { Address: var address })
        {
            return false;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return IPAddress.IsLoopback(address);
    }

    /// <summary>Every registration, by name.</summary>
    public IReadOnlyList<(string Name, int Port)> Snapshot() =>
        [.. _names.Select(static pair => (pair.Key, pair.Value.Port)).OrderBy(static entry => entry.Key, StringComparer.Ordinal)];

    /// <summary>The port registered under <paramref name="name"/>, if any.</summary>
    public int? Lookup(string name) => _names.TryGetValue(name, out var entry) ? entry.Port : null;

    /// <summary>Registers <paramref name="name"/> for a connection; null when a live connection holds it.</summary>
    public Entry? TryRegister(string name, int port)
    {
        var entry = new Entry(name, port);
        return _names.TryAdd(name, entry) ? entry : null;
    }

    /// <summary>Removes <paramref name="entry"/>, and only it: never a later registration of the same name.</summary>
    public void Unregister(Entry entry) => _names.TryRemove(new KeyValuePair<string, Entry>(entry.Name, entry));

    /// <summary>Closes the listener and every connection, and waits for their sessions to end.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        // The listener first, so that nodes taking over find the port free as soon as they notice.
        _listener.Dispose();
        await _stopping.CancelAsync();
        await _acceptLoop;
        await _sessions.WhenAll();
        _stopping.Dispose();
        PortMapperLog.Stopped(_logger, LocalEndPoint);
    }

    /// <summary>
    /// Accepts connections until the server stops. A failed accept (out of file descriptors, say)
    /// waits before the next try and is logged at most every few seconds; a connection that would
    /// hold one of the process's last descriptors is closed at once (<see cref="AcceptBackoff"/>).
    /// </summary>
    private async Task AcceptLoopAsync()
    {
        var stopping = _stopping.Token;
        var backoff = new AcceptBackoff($"the port mapper {LocalEndPoint}", _logger);
        while (await backoff.AcceptAsync(_listener, stopping) is { } socket)
        {
            socket.NoDelay = true;
            var session = new PortMapperSession(new PortMapperConnection(socket), this, _requestTimeout, _logger);
            _sessions.Add(RunSessionAsync(session, stopping));
        }
    }

    private static async Task RunSessionAsync(PortMapperSession session, CancellationToken stopping)
    {
        // Yield first, so that the accept loop goes on while this connection is served.
        await Task.Yield();
        await session.RunAsync(stopping);
    }

    /// <summary>One registration; compared by reference, so that removal never takes a newer one.</summary>
    internal sealed class Entry(string name, int port)
    {
        /// <summary>The registered name.</summary>
        public string Name { get; } = name;

        /// <summary>The port registered under <see cref="Name"/>.</summary>
        public int Port { get; } = port;
    }
}

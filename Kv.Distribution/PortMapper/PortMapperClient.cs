using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Kv.Distribution.PortMapper;

/// <summary>
/// Talks to the port mapper of a host: registers this node (hosting the port mapper when no node
/// does yet), and looks up the distribution port of a node by its short name.
/// </summary>
/// <remarks>
/// While the node that hosted a port mapper has just died, the port is briefly unanswered until
/// another node takes it over; lookups and registrations retry through that window (about one
/// second) with a short back-off. Wire format: PROTOCOL.md, "Port mapper".
/// </remarks>
public static class PortMapperClient
{
    /// <summary>How long one-shot requests and a first registration retry while no port mapper answers.</summary>
    internal static readonly TimeSpan FailoverWindow = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Registers <paramref name="name"/> for <paramref name="port"/> with the port mapper of this
    /// host, on loopback. When none answers, this process starts one and then registers with it.
    /// The registration lasts until it is disposed; if its port mapper dies meanwhile, it takes
    /// over or registers again with whichever node took over.
    /// </summary>
    /// <param name="name">The node's short name ("foo" of foo@host): 1-255 characters of [A-Za-z0-9_-].</param>
    /// <param name="port">The node's distribution listen port, 1 to 65535.</param>
    /// <param name="options">The port mapper's port and bind address.</param>
    /// <param name="loggerFactory">Where the registration, and a port mapper it hosts, log.</param>
    /// <param name="cancellationToken">Cancels the first registration.</param>
    /// <exception cref="PortMapperException">
    /// The name is taken by a running node (<see cref="PortMapperError.NameInUse"/>) or invalid
    /// (<see cref="PortMapperError.BadName"/>), or no port mapper could be reached or hosted
    /// (<see cref="PortMapperError.Unavailable"/>); the message says how to fix it.
    /// </exception>
    public static Task<PortMapperRegistration> RegisterAsync(
        string name,
        int port,
        PortMapperOptions options,
        ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        if (!PortMapperProtocol.IsValidName(name))
        {
            throw PortMapperException.BadName(name);
        }

        if (port is < 1 or > ushort.MaxValue)
        {
            throw PortMapperException.Refused(RefusalReason.BadPort, name, port);
        }

        options.Validate();
        return PortMapperRegistration.StartAsync(name, port, options, loggerFactory, cancellationToken);
    }

    /// <summary>The port registered under <paramref name="name"/> on this host; null when none is.</summary>
    /// <exception cref="PortMapperException">The name is invalid, or the port mapper did not answer in the protocol within <see cref="PortMapperOptions.RequestTimeout"/>.</exception>
    public static Task<int?> LookupAsync(string name, PortMapperOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        return LookupAsync(options.LoopbackAddress, name, options, cancellationToken);
    }

    /// <summary>The port registered under <paramref name="name"/> with the port mapper at <paramref name="address"/>; null when none is.</summary>
    /// <exception cref="PortMapperException">The name is invalid, or the port mapper did not answer in the protocol within <see cref="PortMapperOptions.RequestTimeout"/>.</exception>
    public static Task<int?> LookupAsync(IPAddress address, string name, PortMapperOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(address);
        return LookupAsync([address], name, options, cancellationToken);
    }

    /// <summary>
    /// The port registered under <paramref name="name"/> with the port mapper of <paramref name="host"/>
    /// (a host name or an address); null when none is.
    /// </summary>
    /// <exception cref="PortMapperException">The name is invalid, or the port mapper did not answer in the protocol within <see cref="PortMapperOptions.RequestTimeout"/>.</exception>
    /// <exception cref="SocketException">The host name does not resolve.</exception>
    public static async Task<int?> LookupAsync(string host, string name, PortMapperOptions options, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        var addresses = IPAddress.TryParse(host, out var address)
            ? [address]
            : await Dns.GetHostAddressesAsync(host, cancellationToken);
        return await LookupAsync(addresses, name, options, cancellationToken);
    }

    /// <summary>Every name registered on this host with its port, by name; empty when no port mapper runs.</summary>
    /// <exception cref="PortMapperException">The port mapper did not answer in the protocol within <see cref="PortMapperOptions.RequestTimeout"/>.</exception>
    public static Task<IReadOnlyList<(string Name, int Port)>> NamesAsync(PortMapperOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        return NamesAsync(options.LoopbackAddress, options, cancellationToken);
    }

    /// <summary>Every name registered with the port mapper at <paramref name="address"/>, by name; empty when none runs there.</summary>
    /// <exception cref="PortMapperException">The port mapper did not answer in the protocol within <see cref="PortMapperOptions.RequestTimeout"/>.</exception>
    public static Task<IReadOnlyList<(string Name, int Port)>> NamesAsync(IPAddress address, PortMapperOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(options);
        return ExchangeAsync<IReadOnlyList<(string Name, int Port)>>(
            [address], options, PortMapperProtocol.WriteNames, ReadNamesAsync, whenNoPortMapper: [], cancellationToken);
    }

    /// <summary>The delay before retry number <paramref name="attempt"/>: 20 ms, 40 ms, then 50 ms.</summary>
    internal static TimeSpan Backoff(int attempt) => TimeSpan.FromMilliseconds(Math.Min(20 * attempt, 50));

    /// <summary>Reads one reply; a close before it is an <see cref="IOException"/>, bytes outside the protocol a <see cref="PortMapperException"/>.</summary>
    internal static async ValueTask<PortMapperMessage> ReadReplyAsync(PortMapperConnection connection, CancellationToken cancellationToken)
    {
        var (status, message) = await connection.ReadAsync(cancellationToken);
        return status switch
        {
            PortMapperReadStatus.Message => message,
            PortMapperReadStatus.Closed or PortMapperReadStatus.Truncated =>
                throw new IOException($"The port mapper at {connection.RemoteEndPoint} closed the connection before it replied."),
            _ => throw new PortMapperException(PortMapperError.ProtocolError,
                $"The port mapper at {connection.RemoteEndPoint} answered with bytes outside the protocol ({status}). Check that the port mapper's port is not used by another program."),
        };
    }

    /// <summary>The exception for a reply that is in the protocol but not an answer to the request.</summary>
    internal static PortMapperException Unexpected(PortMapperConnection connection, PortMapperTag tag) => new(
        PortMapperError.ProtocolError,
        $"The port mapper at {connection.RemoteEndPoint} answered with a {tag} message, which does not answer the request. Run the same kv version on every node of this host.");

    private static Task<int?> LookupAsync(IReadOnlyList<IPAddress> addresses, string name, PortMapperOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!PortMapperProtocol.IsValidName(name))
        {
            throw PortMapperException.BadName(name);
        }

        return ExchangeAsync(addresses, options, output => PortMapperProtocol.WriteLookup(output, name), ReadPortAsync, whenNoPortMapper: null, cancellationToken);
    }

    private static async ValueTask<int?> ReadPortAsync(PortMapperConnection connection, CancellationToken cancellationToken)
    {
        var reply = await ReadReplyAsync(connection, cancellationToken);
        return reply.Tag switch
        {
            PortMapperTag.Port => reply.Port,
            PortMapperTag.NotFound => null,
            _ => throw Unexpected(connection, reply.Tag),
        };
    }

    private static async ValueTask<IReadOnlyList<(string Name, int Port)>> ReadNamesAsync(PortMapperConnection connection, CancellationToken cancellationToken)
    {
        var names = new List<(string Name, int Port)>();
        while (true)
        {
            var reply = await ReadReplyAsync(connection, cancellationToken);
            switch (reply.Tag)
            {
                case PortMapperTag.Name:
                    names.Add((reply.Name, reply.Port));
                    break;
                case PortMapperTag.NamesEnd:
                    return names;
                default:
                    throw Unexpected(connection, reply.Tag);
            }
        }
    }

    /// <summary>
    /// One request on a fresh connection to each address in turn, retried with a back-off for
    /// <see cref="FailoverWindow"/> while it fails. When every attempt found no listener, there is
    /// no port mapper (so no node) there: <paramref name="whenNoPortMapper"/>.
    /// </summary>
    private static async Task<T> ExchangeAsync<T>(
        IReadOnlyList<IPAddress> addresses,
        PortMapperOptions options,
        Action<ArrayBufferWriter<byte>> writeRequest,
        Func<PortMapperConnection, CancellationToken, ValueTask<T>> readReply,
        T whenNoPortMapper,
        CancellationToken cancellationToken)
    {
        if (addresses.Count == 0)
        {
            throw new PortMapperException(PortMapperError.Unavailable, "The host has no address to reach its port mapper at. Check the host name.");
        }

        var request = new ArrayBufferWriter<byte>(64);
        writeRequest(request);
        var started = Stopwatch.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            var onlyRefused = true;
            Exception? failure = null;
            foreach (var address in addresses)
            {
                var endPoint = new IPEndPoint(address, options.Port);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(options.RequestTimeout);
                try
                {
                    using var connection = await PortMapperConnection.ConnectAsync(endPoint, timeout.Token);
                    await connection.SendAsync(request, timeout.Token);
                    return await readReply(connection, timeout.Token);
                }
                catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
                {
                    failure = ex;
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    onlyRefused = false;
                    failure = new TimeoutException($"The port mapper at {endPoint} did not answer within {options.RequestTimeout.TotalMilliseconds} ms.");
                }
                catch (Exception ex) when (ex is SocketException or IOException or PortMapperException)
                {
                    // A reset or a close before the reply: the port mapper died during the exchange.
                    // Bytes outside the protocol are retried too: a connection to a port with no
                    // listener can, rarely, connect to itself and read its own request back.
                    onlyRefused = false;
                    failure = ex;
                }
            }

            if (Stopwatch.GetElapsedTime(started) >= FailoverWindow)
            {
                return onlyRefused ? whenNoPortMapper : throw Failed(failure!, options.Port);
            }

            await Task.Delay(Backoff(attempt), cancellationToken);
        }
    }

    private static PortMapperException Failed(Exception failure, int port) => failure as PortMapperException ?? new PortMapperException(
        PortMapperError.Unavailable,
        $"No port mapper answered on port {port}: {failure.Message} Check that the host runs a kv node and that every node uses the same {PortMapperOptions.PortVariable}.",
        failure);
}

using System.Buffers;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Kv.Distribution.PortMapper;

/// <summary>
/// One connection to the port mapper: answers requests in order until the peer closes, breaks the
/// protocol, stalls, or the server stops. A Register makes the connection the registration's
/// lifeline: when the connection ends, for whatever reason, the name is removed at once.
/// </summary>
/// <remarks>
/// Anything outside the protocol (a length over the maximum, an unknown or misplaced tag, a bad
/// payload, a close in the middle of a request) ends this connection only, logged with its reason.
/// A connection without a registration must send each whole request within the request timeout;
/// a registered one may stay silent for as long as it lives.
/// </remarks>
internal sealed class PortMapperSession(
    PortMapperConnection connection,
    PortMapperServer server,
    TimeSpan requestTimeout,
    ILogger logger)
{
    private readonly ArrayBufferWriter<byte> _output = new(256);
    private PortMapperServer.Entry? _registration;

    /// <summary>Serves the connection until it ends; never throws.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var remote = connection.RemoteEndPoint;
        var reason = "closed by the peer";
        try
        {
            while (true)
            {
                if (_registration is null)
                {
                    timeout.CancelAfter(requestTimeout);
                }

                var (status, message) = await connection.ReadAsync(timeout.Token);
                if (status == PortMapperReadStatus.Closed)
                {
                    return;
                }

                string? violation;
                if (status == PortMapperReadStatus.Message)
                {
                    timeout.CancelAfter(requestTimeout);
                    violation = await AnswerAsync(message, timeout.Token);
                }
                else
                {
                    violation = Describe(status);
                }

                if (violation is not null)
                {
                    reason = violation;
                    PortMapperLog.ProtocolViolation(logger, server.ViolationWarnings, remote, violation);
                    return;
                }

                // When the timer fired just as the exchange completed, the reset fails and the next
                // read throws at once, which the catches below sort into stopping or timed out.
                timeout.TryReset();
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            reason = "the port mapper is stopping";
        }
        catch (OperationCanceledException)
        {
            reason = $"no whole request within {requestTimeout.TotalMilliseconds} ms";
            PortMapperLog.ProtocolViolation(logger, server.ViolationWarnings, remote, reason);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            reason = ex.Message;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            reason = "failed";
            PortMapperLog.ConnectionFailed(logger, remote, ex);
        }
        finally
        {
            connection.Dispose();
            if (_registration is { } registration)
            {
                server.Unregister(registration);
                PortMapperLog.NameUnregistered(logger, registration.Name, registration.Port, reason);
            }

            PortMapperLog.ConnectionEnded(logger, remote, reason);
        }
    }

    private static string Describe(PortMapperReadStatus status) => status switch
    {
        PortMapperReadStatus.Truncated => "closed in the middle of a request",
        PortMapperReadStatus.TooLong => $"a length over the maximum of {PortMapperProtocol.MaxMessageLength} bytes",
        PortMapperReadStatus.UnknownTag => "an unknown tag",
        _ => "a request that does not have its tag's layout",
    };

    /// <summary>Answers one request; returns why the connection must end, or null to go on.</summary>
    private async ValueTask<string?> AnswerAsync(PortMapperMessage request, CancellationToken cancellationToken)
    {
        _output.ResetWrittenCount();
        switch (request.Tag)
        {
            case PortMapperTag.Register:
                if (_registration is not null)
                {
                    return $"a second Register ({request.Name}) on a connection that holds {_registration.Name}";
                }

                Register(request);
                break;

            case PortMapperTag.Lookup:
                if (server.Lookup(request.Name) is { } port)
                {
                    PortMapperProtocol.WritePort(_output, port);
                }
                else
                {
                    PortMapperProtocol.WriteNotFound(_output);
                }

                break;

            case PortMapperTag.Names:
                if (!PortMapperServer.IsLoopbackPeer(connection.RemoteEndPoint))
                {
                    // Unlike epmd, which lists its nodes to anyone: which nodes run here is no
                    // business of other hosts, which look up the one they want by name.
                    return "Names is answered to loopback peers only; other hosts look nodes up by name";
                }

                foreach (var entry in server.Snapshot())
                {
                    PortMapperProtocol.WriteName(_output, entry.Name, entry.Port);
                }

                PortMapperProtocol.WriteNamesEnd(_output);
                break;

            default:
                return $"a {request.Tag} message, which is not a request";
        }

        await connection.SendAsync(_output, cancellationToken);
        return null;
    }

    private void Register(PortMapperMessage request)
    {
        var remote = connection.RemoteEndPoint;
        RefusalReason? refusal =
            !PortMapperServer.IsLoopbackPeer(remote) ? RefusalReason.NotLoopback
            : !PortMapperProtocol.IsValidName(request.Name) ? RefusalReason.BadName
            : request.Port == 0 ? RefusalReason.BadPort
            : null;

        if (refusal is null)
        {
            _registration = server.TryRegister(request.Name, request.Port);
            refusal = _registration is null ? RefusalReason.NameInUse : null;
        }

        if (refusal is { } reason)
        {
            PortMapperLog.RegistrationRefused(logger, server.RefusalWarnings, request.Name, request.Port, remote, reason);
            PortMapperProtocol.WriteRegisterRefused(_output, reason);
            return;
        }

        // Registered before the reply is sent: once the node reads RegisterOk, lookups find it.
        PortMapperLog.NameRegistered(logger, request.Name, request.Port, remote);
        PortMapperProtocol.WriteRegisterOk(_output);
    }
}

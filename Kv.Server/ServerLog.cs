using System.Net;
using Kv.Core.Buckets;
using Kv.Distribution.Support;
using Microsoft.Extensions.Logging;

namespace Kv.Server;

/// <summary>
/// Every log message of the server, with its event id and level. What a client can make it log
/// over and over (refusals, lines too long) is a warning at most once per interval, Debug otherwise.
/// </summary>
internal static partial class ServerLog
{
    [LoggerMessage(1, LogLevel.Information, "kv listening on {EndPoint}")]
    public static partial void Listening(ILogger logger, EndPoint endPoint);

    [LoggerMessage(2, LogLevel.Information, "kv stopped listening on {EndPoint}")]
    public static partial void StoppedListening(ILogger logger, EndPoint endPoint);

    [LoggerMessage(3, LogLevel.Debug, "Client {Remote} connected")]
    public static partial void ClientConnected(ILogger logger, EndPoint? remote);

    [LoggerMessage(4, LogLevel.Debug, "Client {Remote} disconnected: {Reason}")]
    public static partial void ClientDisconnected(ILogger logger, EndPoint? remote, string reason);

    /// <summary>
    /// Logs a line over the maximum: a warning when <paramref name="warnings"/> lets it through
    /// (always, without one), saying how many were held back since the last; Debug otherwise.
    /// </summary>
    public static void LineTooLong(ILogger logger, LogThrottle? warnings, EndPoint? remote, int maxLineLength)
    {
        var suppressed = 0;
        if (warnings is null || warnings.TryPass(out suppressed))
        {
            LineTooLongWarning(logger, remote, maxLineLength, suppressed);
        }
        else
        {
            LineTooLongAgain(logger, remote, maxLineLength);
        }
    }

    /// <summary>
    /// Logs a client refused for max clients: a warning when <paramref name="warnings"/> lets it
    /// through, saying how many were refused since the last; Debug otherwise.
    /// </summary>
    public static void MaxClientsReached(ILogger logger, LogThrottle warnings, EndPoint? remote, int maxClients)
    {
        if (warnings.TryPass(out var suppressed))
        {
            MaxClientsReachedWarning(logger, remote, maxClients, suppressed);
        }
        else
        {
            MaxClientsReachedAgain(logger, remote, maxClients);
        }
    }

    [LoggerMessage(5, LogLevel.Warning, "Client {Remote} sent a line over {MaxLineLength} bytes; replied ERROR and closed the connection ({Suppressed} more since the last warning, logged at Debug)")]
    private static partial void LineTooLongWarning(ILogger logger, EndPoint? remote, int maxLineLength, int suppressed);

    [LoggerMessage(13, LogLevel.Debug, "Client {Remote} sent a line over {MaxLineLength} bytes; replied ERROR and closed the connection")]
    private static partial void LineTooLongAgain(ILogger logger, EndPoint? remote, int maxLineLength);

    [LoggerMessage(11, LogLevel.Warning, "Client {Remote} refused: {MaxClients} clients are connected, the maximum (--max-clients); replied ERROR max clients reached ({Suppressed} more refused since the last warning, logged at Debug)")]
    private static partial void MaxClientsReachedWarning(ILogger logger, EndPoint? remote, int maxClients, int suppressed);

    [LoggerMessage(12, LogLevel.Debug, "Client {Remote} refused: {MaxClients} clients are connected, the maximum (--max-clients); replied ERROR max clients reached")]
    private static partial void MaxClientsReachedAgain(ILogger logger, EndPoint? remote, int maxClients);

    /// <summary>Logs a client refused by protected mode: a warning when <paramref name="warnings"/> lets it through, Debug otherwise.</summary>
    public static void ProtectedModeRefused(ILogger logger, LogThrottle warnings, EndPoint? remote)
    {
        if (warnings.TryPass(out var suppressed))
        {
            ProtectedModeRefusedWarning(logger, remote, suppressed);
        }
        else
        {
            ProtectedModeRefusedAgain(logger, remote);
        }
    }

    /// <summary>Logs a wrong password: a warning when <paramref name="warnings"/> lets it through, Debug otherwise.</summary>
    public static void AuthFailed(ILogger logger, LogThrottle warnings, EndPoint? remote)
    {
        if (warnings.TryPass(out var suppressed))
        {
            AuthFailedWarning(logger, remote, suppressed);
        }
        else
        {
            AuthFailedAgain(logger, remote);
        }
    }

    [LoggerMessage(14, LogLevel.Warning, "Client {Remote} refused: protected mode is on and there is no password, so only clients on this host are served (set --requirepass, or --protected-mode no); replied ERROR protected mode ({Suppressed} more refused since the last warning, logged at Debug)")]
    private static partial void ProtectedModeRefusedWarning(ILogger logger, EndPoint? remote, int suppressed);

    [LoggerMessage(15, LogLevel.Debug, "Client {Remote} refused by protected mode; replied ERROR protected mode")]
    private static partial void ProtectedModeRefusedAgain(ILogger logger, EndPoint? remote);

    [LoggerMessage(16, LogLevel.Warning, "Client {Remote} sent AUTH with a wrong password; replied ERROR invalid password ({Suppressed} more since the last warning, logged at Debug)")]
    private static partial void AuthFailedWarning(ILogger logger, EndPoint? remote, int suppressed);

    [LoggerMessage(17, LogLevel.Debug, "Client {Remote} sent AUTH with a wrong password; replied ERROR invalid password")]
    private static partial void AuthFailedAgain(ILogger logger, EndPoint? remote);

    [LoggerMessage(10, LogLevel.Information, "kv serves at most {MaxClients} clients at once ({Source}); idle timeout: {IdleTimeout}")]
    public static partial void Limits(ILogger logger, int maxClients, string source, string idleTimeout);

    [LoggerMessage(6, LogLevel.Error, "{Operation} command failed; replied ERROR")]
    public static partial void CommandFailed(ILogger logger, BucketOperation operation, Exception exception);

    /// <summary>
    /// Logs a command answered <c>ERROR</c> because its bucket could not be routed or its owner
    /// was unavailable: a warning, saying why, when <paramref name="warnings"/> lets it through
    /// (clients can repeat it as fast as they like); Debug otherwise.
    /// </summary>
    public static void CommandUnavailable(ILogger logger, LogThrottle warnings, BucketOperation operation, string reason)
    {
        if (warnings.TryPass(out var suppressed))
        {
            CommandUnavailableWarning(logger, operation, reason, suppressed);
        }
        else
        {
            CommandUnavailableAgain(logger, operation, reason);
        }
    }

    [LoggerMessage(18, LogLevel.Warning, "{Operation} command answered ERROR: {Reason} ({Suppressed} more since the last warning, logged at Debug)")]
    private static partial void CommandUnavailableWarning(ILogger logger, BucketOperation operation, string reason, int suppressed);

    [LoggerMessage(9, LogLevel.Debug, "{Operation} command answered ERROR: {Reason}")]
    private static partial void CommandUnavailableAgain(ILogger logger, BucketOperation operation, string reason);

    [LoggerMessage(8, LogLevel.Error, "Connection of {Remote} failed and was closed")]
    public static partial void SessionFailed(ILogger logger, EndPoint? remote, Exception exception);
}

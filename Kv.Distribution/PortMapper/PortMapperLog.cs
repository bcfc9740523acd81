using System.Net;
using Kv.Distribution.Support;
using Microsoft.Extensions.Logging;

namespace Kv.Distribution.PortMapper;

/// <summary>
/// Every log message of the port mapper, with its event id (100-199) and level. What a peer can make
/// it log over and over (refusals, violations) is a warning at most once per interval, Debug otherwise.
/// </summary>
internal static partial class PortMapperLog
{
    // The server.

    [LoggerMessage(100, LogLevel.Information, "Port mapper listening on {EndPoint}")]
    public static partial void Listening(ILogger logger, EndPoint endPoint);

    [LoggerMessage(101, LogLevel.Information, "Port mapper on {EndPoint} stopped")]
    public static partial void Stopped(ILogger logger, EndPoint endPoint);

    [LoggerMessage(103, LogLevel.Information, "Port mapper registered {Name} on port {Port} for {Remote}")]
    public static partial void NameRegistered(ILogger logger, string name, int port, EndPoint? remote);

    [LoggerMessage(104, LogLevel.Information, "Port mapper unregistered {Name} (port {Port}): {Reason}")]
    public static partial void NameUnregistered(ILogger logger, string name, int port, string reason);

    /// <summary>
    /// Logs a refused registration: any peer can make the port mapper refuse one as often as it
    /// likes, so this is a warning at most once per interval of <paramref name="warnings"/>, saying
    /// how many were refused since the last one, and Debug otherwise.
    /// </summary>
    public static void RegistrationRefused(ILogger logger, LogThrottle warnings, string name, int port, EndPoint? remote, RefusalReason reason)
    {
        if (warnings.TryPass(out var suppressed))
        {
            RegistrationRefusedWarning(logger, name, port, remote, reason, suppressed);
        }
        else
        {
            RegistrationRefusedAgain(logger, name, port, remote, reason);
        }
    }

    /// <summary>Logs a connection closed for breaking the protocol: a warning at most once per interval of <paramref name="warnings"/>, as <see cref="RegistrationRefused"/>.</summary>
    public static void ProtocolViolation(ILogger logger, LogThrottle warnings, EndPoint? remote, string reason)
    {
        if (warnings.TryPass(out var suppressed))
        {
            ProtocolViolationWarning(logger, remote, reason, suppressed);
        }
        else
        {
            ProtocolViolationAgain(logger, remote, reason);
        }
    }

    [LoggerMessage(105, LogLevel.Warning, "Port mapper refused to register {Name} on port {Port} for {Remote}: {Reason} ({Suppressed} more refused since the last warning, logged at Debug)")]
    private static partial void RegistrationRefusedWarning(ILogger logger, string name, int port, EndPoint? remote, RefusalReason reason, int suppressed);

    [LoggerMessage(109, LogLevel.Debug, "Port mapper refused to register {Name} on port {Port} for {Remote}: {Reason}")]
    private static partial void RegistrationRefusedAgain(ILogger logger, string name, int port, EndPoint? remote, RefusalReason reason);

    [LoggerMessage(106, LogLevel.Warning, "Port mapper closed the connection of {Remote}: {Reason} ({Suppressed} more closed since the last warning, logged at Debug)")]
    private static partial void ProtocolViolationWarning(ILogger logger, EndPoint? remote, string reason, int suppressed);

    [LoggerMessage(110, LogLevel.Debug, "Port mapper closed the connection of {Remote}: {Reason}")]
    private static partial void ProtocolViolationAgain(ILogger logger, EndPoint? remote, string reason);

    [LoggerMessage(107, LogLevel.Error, "Port mapper connection of {Remote} failed and was closed")]
    public static partial void ConnectionFailed(ILogger logger, EndPoint? remote, Exception exception);

    [LoggerMessage(108, LogLevel.Debug, "Port mapper connection of {Remote} ended: {Reason}")]
    public static partial void ConnectionEnded(ILogger logger, EndPoint? remote, string reason);

    // A node's registration.

    [LoggerMessage(120, LogLevel.Information, "Node {Name} found no port mapper and hosts it on {EndPoint}")]
    public static partial void Hosting(ILogger logger, string name, EndPoint endPoint);

    [LoggerMessage(121, LogLevel.Information, "Node {Name} registered port {Port} with the port mapper")]
    public static partial void Registered(ILogger logger, string name, int port);

    [LoggerMessage(122, LogLevel.Warning, "Node {Name} lost its port-mapper connection ({Reason}); registering again")]
    public static partial void RegistrationLost(ILogger logger, string name, string reason);

    [LoggerMessage(123, LogLevel.Debug, "Node {Name}: port-mapper attempt {Attempt} failed ({Reason}); retrying in {DelayMs} ms")]
    public static partial void AttemptFailed(ILogger logger, string name, int attempt, string reason, int delayMs);

    [LoggerMessage(124, LogLevel.Information, "Node {Name} registered again with the port mapper after {Attempts} attempts in {ElapsedMs} ms (hosting it: {Hosting})")]
    public static partial void Reregistered(ILogger logger, string name, int attempts, long elapsedMs, bool hosting);

    [LoggerMessage(125, LogLevel.Error, "Node {Name} gave up registering again with the port mapper; other nodes cannot find it")]
    public static partial void ReregistrationAbandoned(ILogger logger, string name, Exception exception);

    [LoggerMessage(126, LogLevel.Information, "Node {Name} unregistered from the port mapper")]
    public static partial void Unregistered(ILogger logger, string name);
}

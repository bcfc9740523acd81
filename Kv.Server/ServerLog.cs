using System.Net;
using Kv.Core.Buckets;
using Microsoft.Extensions.Logging;

namespace Kv.Server;

/// <summary>Every log message of the server, with its event id and level.</summary>
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

    [LoggerMessage(5, LogLevel.Warning, "Client {Remote} sent a line over {MaxLineLength} bytes; replied ERROR and closed the connection")]
    public static partial void LineTooLong(ILogger logger, EndPoint? remote, int maxLineLength);

    [LoggerMessage(6, LogLevel.Error, "{Operation} command failed; replied ERROR")]
    public static partial void CommandFailed(ILogger logger, BucketOperation operation, Exception exception);

    [LoggerMessage(9, LogLevel.Debug, "{Operation} command answered ERROR: {Reason}")]
    public static partial void CommandUnavailable(ILogger logger, BucketOperation operation, string reason);

    [LoggerMessage(8, LogLevel.Error, "Connection of {Remote} failed and was closed")]
    public static partial void SessionFailed(ILogger logger, EndPoint? remote, Exception exception);

    [LoggerMessage(7, LogLevel.Error, "Accepting connections on {EndPoint} failed")]
    public static partial void AcceptFailed(ILogger logger, EndPoint endPoint, Exception exception);
}

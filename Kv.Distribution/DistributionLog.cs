using System.Net;
using Microsoft.Extensions.Logging;

namespace Kv.Distribution;

/// <summary>Every log message of the distribution layer, with its event id and level.</summary>
internal static partial class DistributionLog
{
    [LoggerMessage(200, LogLevel.Information, "Node {Node} started (creation {Creation}), distribution listening on {EndPoint}")]
    public static partial void NodeStarted(ILogger logger, string node, uint creation, EndPoint endPoint);

    [LoggerMessage(201, LogLevel.Information, "Node {Node} stopped")]
    public static partial void NodeStopped(ILogger logger, string node);

    [LoggerMessage(210, LogLevel.Information, "Link to {Peer} up ({Direction}, peer creation {Creation})")]
    public static partial void LinkUp(ILogger logger, string peer, string direction, uint creation);

    [LoggerMessage(211, LogLevel.Information, "Link to {Peer} down: {Reason}")]
    public static partial void LinkDown(ILogger logger, string peer, string reason);

    [LoggerMessage(212, LogLevel.Warning, "Handshake with {Remote} refused at {Step}: {Reason}")]
    public static partial void HandshakeRefused(ILogger logger, string remote, string step, string reason);

    [LoggerMessage(231, LogLevel.Warning, "Handshake with {Remote} refused at {Step}: {Reason} ({Suppressed} more refused since the last warning, logged at Debug)")]
    public static partial void InboundHandshakeRefused(ILogger logger, string remote, string step, string reason, int suppressed);

    [LoggerMessage(232, LogLevel.Debug, "Handshake with {Remote} refused at {Step}: {Reason}")]
    public static partial void InboundHandshakeRefusedAgain(ILogger logger, string remote, string step, string reason);

    [LoggerMessage(213, LogLevel.Warning, "Link to {Peer} broken by a protocol violation: {Reason}")]
    public static partial void ProtocolViolation(ILogger logger, string peer, string reason);

    [LoggerMessage(214, LogLevel.Debug, "Connecting to {Peer} at {EndPoint}")]
    public static partial void Connecting(ILogger logger, string peer, EndPoint endPoint);

    [LoggerMessage(215, LogLevel.Warning, "Link to {Peer} silent for {SilentMs} ms (tick time {TickTimeMs} ms): declaring it down")]
    public static partial void TickTimeout(ILogger logger, string peer, long silentMs, long tickTimeMs);

    [LoggerMessage(220, LogLevel.Warning, "Rpc {Module}.{Function} from {Peer} refused: not exported")]
    public static partial void RpcUndefined(ILogger logger, string peer, string module, string function);

    [LoggerMessage(221, LogLevel.Debug, "Rpc {Module}.{Function} from {Peer} threw")]
    public static partial void RpcThrew(ILogger logger, string peer, string module, string function, Exception exception);

    [LoggerMessage(222, LogLevel.Error, "Reply to rpc {Module}.{Function} from {Peer} could not be sent")]
    public static partial void RpcReplyFailed(ILogger logger, string peer, string module, string function, Exception exception);

    [LoggerMessage(219, LogLevel.Error, "Link to {Peer} closed: this node failed to handle a frame from it")]
    public static partial void HandlerFailed(ILogger logger, string peer, Exception exception);

    [LoggerMessage(216, LogLevel.Information, "Cannot reach {Peer}: {Reason} ({Dropped} queued frames dropped; {Suppressed} more failed attempts logged at Debug since the last such line)")]
    public static partial void Unreachable(ILogger logger, string peer, string reason, int dropped, int suppressed);

    [LoggerMessage(218, LogLevel.Debug, "Cannot reach {Peer}: {Reason} ({Dropped} queued frames dropped)")]
    public static partial void UnreachableAgain(ILogger logger, string peer, string reason, int dropped);

    [LoggerMessage(217, LogLevel.Warning, "A frame for {Peer} was dropped: {Reason}")]
    public static partial void UnsendableFrame(ILogger logger, string peer, string reason);

    [LoggerMessage(240, LogLevel.Debug, "Process {Pid} crashed")]
    public static partial void ProcessCrashed(ILogger logger, string pid, Exception exception);
}

using Kv.Distribution.Support;

namespace Kv.Distribution.Connections;

/// <summary>
/// How <see cref="ConnectionManager"/> logs the handshakes it refuses as the accepting side: any
/// host that reaches the distribution port can make it refuse one, as often as it likes, so they
/// are logged in one line each, as a warning at most once a second (saying how many were refused
/// since the last one) and at Debug otherwise.
/// </summary>
internal sealed partial class ConnectionManager
{
    private static readonly TimeSpan s_refusalWarningInterval = TimeSpan.FromSeconds(1);

    private readonly LogThrottle _refusalWarnings = new(s_refusalWarningInterval);

    /// <summary>Logs that the handshake of the peer at <paramref name="remote"/> was refused, as <paramref name="refused"/> says.</summary>
    private void LogRefusedHandshake(string remote, HandshakeException refused)
    {
        if (_refusalWarnings.TryPass(out var suppressed))
        {
            DistributionLog.InboundHandshakeRefused(logger, remote, refused.Step.ToString(), refused.Message, suppressed);
        }
        else
        {
            DistributionLog.InboundHandshakeRefusedAgain(logger, remote, refused.Step.ToString(), refused.Message);
        }
    }
}

using System.Security.Cryptography;
using System.Text;

namespace Kv.Distribution.Connections;

/// <summary>
/// The cookie proofs of the handshake: HMAC-SHA256 keyed by the cookie over a fresh challenge and
/// both node names, compared in constant time. The cookie itself never crosses the wire.
/// </summary>
internal static class CookieDigest
{
    /// <summary>The length of a challenge and of a digest.</summary>
    public const int Length = 32;

    private static ReadOnlySpan<byte> ReplyLabel => "kv-challenge-reply"u8;

    private static ReadOnlySpan<byte> AckLabel => "kv-challenge-ack"u8;

    /// <summary>A fresh random challenge.</summary>
    public static byte[] NewChallenge() => RandomNumberGenerator.GetBytes(Length);

    /// <summary>The initiator's proof over the acceptor's challenge.</summary>
    public static byte[] Reply(string cookie, byte[] acceptorChallenge, string initiator, string acceptor) =>
        Compute(cookie, ReplyLabel, acceptorChallenge, initiator, acceptor);

    /// <summary>The acceptor's proof over the initiator's challenge.</summary>
    public static byte[] Ack(string cookie, byte[] initiatorChallenge, string initiator, string acceptor) =>
        Compute(cookie, AckLabel, initiatorChallenge, initiator, acceptor);

    /// <summary>Compares two digests in constant time.</summary>
    public static bool Matches(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual) =>
        CryptographicOperations.FixedTimeEquals(expected, actual);

    private static byte[] Compute(string cookie, ReadOnlySpan<byte> label, byte[] challenge, string initiator, string acceptor)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(cookie));
        hmac.AppendData(label);
        hmac.AppendData(challenge);
        hmac.AppendData(Encoding.UTF8.GetBytes(initiator));
        hmac.AppendData([0]);
        hmac.AppendData(Encoding.UTF8.GetBytes(acceptor));
        return hmac.GetHashAndReset();
    }
}

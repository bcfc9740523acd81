using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Kv.Server.Tcp;

/// <summary>
/// Who may use the text server, as Redis decides it: with a password (<c>--requirepass</c>) a
/// client must send <c>AUTH password</c> before anything else; without one, protected mode (on by
/// default, <c>--protected-mode no</c> turns it off) refuses every client that is not on this host.
/// </summary>
/// <remarks>
/// A password is kept only as its SHA-256 digest, and <see cref="Accepts"/> compares digests in
/// constant time: the time taken tells nothing of the password, not even its length.
/// </remarks>
internal sealed class ClientAccess
{
    private const int DigestBytes = SHA256.HashSizeInBytes;

    private readonly byte[]? _passwordDigest;
    private readonly bool _protectedMode;

    /// <summary>Access with <paramref name="requirePass"/> (none when null or empty) and protected mode on or off.</summary>
    public ClientAccess(string? requirePass, bool protectedMode)
    {
        _passwordDigest = string.IsNullOrEmpty(requirePass) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(requirePass));
        _protectedMode = protectedMode;
    }

    /// <summary>No password and no protected mode: every client is served at once.</summary>
    public static ClientAccess Open { get; } = new(requirePass: null, protectedMode: false);

    /// <summary>Whether clients must authenticate with <c>AUTH</c> before anything else.</summary>
    public bool RequiresPassword => _passwordDigest is not null;

    /// <summary>
    /// Whether protected mode refuses a client from <paramref name="remote"/>: protected mode is on,
    /// there is no password, and the client is not on this host (<see cref="IsLocal"/>).
    /// </summary>
    public bool Refuses(EndPoint? remote) => _protectedMode && !RequiresPassword && !IsLocal(remote);

    /// <summary>Whether <paramref name="password"/> (UTF-8) is the password; false when there is none. Constant time.</summary>
    public bool Accepts(ReadOnlySpan<byte> password)
    {
        if (_passwordDigest is null)
        {
            return false;
        }

        Span<byte> digest = stackalloc byte[DigestBytes];
        SHA256.HashData(password, digest);
        return CryptographicOperations.FixedTimeEquals(digest, _passwordDigest);
    }

    /// <summary>
    /// Whether a client at <paramref name="remote"/> is on this host: a loopback address
    /// (127.0.0.0/8, <c>::1</c>, or 127.0.0.0/8 mapped to IPv6), or an end point that is not an IP
    /// one (a Unix socket; none at all, as in-memory sessions have).
    /// </summary>
    public static bool IsLocal(EndPoint? remote) => remote switch
    {
        IPEndPoint ip when ip.Address.IsIPv4MappedToIPv6 => IPAddress.IsLoopback(ip.Address.MapToIPv4()),
        IPEndPoint ip => IPAddress.IsLoopback(ip.Address),
        _ => true,
    };
}

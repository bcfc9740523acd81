using Kv.Distribution.Support;

namespace Kv.Server.Tcp;

/// <summary>
/// What every <see cref="ClientSession"/> of one server shares: the limits of a request, who may
/// connect and authenticate, and the throttles of the warnings that clients can cause over and over.
/// </summary>
internal sealed class SessionSettings
{
    private static readonly TimeSpan s_warningInterval = TimeSpan.FromSeconds(1);

    /// <summary>The longest request line, in bytes: a longer one is answered <c>ERROR</c> and ends the connection.</summary>
    public int MaxLineLength { get; init; } = 64 * 1024;

    /// <summary>The longest key, in UTF-8 bytes: a command with a longer one is answered <c>ERROR key too long</c>.</summary>
    public int MaxKeyBytes { get; init; } = KvServerOptions.DefaultMaxKeyBytes;

    /// <summary>The largest value, in UTF-8 bytes: a PUT of a larger one is answered <c>ERROR value too large</c>.</summary>
    public int MaxValueBytes { get; init; } = KvServerOptions.DefaultMaxValueBytes;

    /// <summary>Protected mode and the password.</summary>
    public ClientAccess Access { get; init; } = ClientAccess.Open;

    /// <summary>Warnings of lines too long.</summary>
    public LogThrottle LineTooLongWarnings { get; } = new(s_warningInterval);

    /// <summary>Warnings of clients refused by protected mode.</summary>
    public LogThrottle ProtectedModeWarnings { get; } = new(s_warningInterval);

    /// <summary>Warnings of failed <c>AUTH</c>s.</summary>
    public LogThrottle AuthFailureWarnings { get; } = new(s_warningInterval);

    /// <summary>The settings of <paramref name="options"/>.</summary>
    public static SessionSettings From(KvServerOptions options) => new()
    {
        MaxLineLength = options.MaxLineLength,
        MaxKeyBytes = options.MaxKeyBytes,
        MaxValueBytes = options.MaxValueBytes,
        Access = new ClientAccess(options.RequirePass, options.IsProtectedMode),
    };
}

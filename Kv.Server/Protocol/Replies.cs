namespace Kv.Server.Protocol;

/// <summary>The fixed reply lines of the text protocol, as bytes on the wire.</summary>
internal static class Replies
{
    /// <summary>Success.</summary>
    public static ReadOnlySpan<byte> Ok => "OK\r\n"u8;

    /// <summary>The bucket does not exist.</summary>
    public static ReadOnlySpan<byte> NotFound => "NOT FOUND\r\n"u8;

    /// <summary>The line is not a command of the protocol.</summary>
    public static ReadOnlySpan<byte> UnknownCommand => "UNKNOWN COMMAND\r\n"u8;

    /// <summary>The command could not be carried out (or the line was too long).</summary>
    public static ReadOnlySpan<byte> Error => "ERROR\r\n"u8;

    /// <summary>Sent to a client the server refuses because max clients are connected, before it closes the connection.</summary>
    public static ReadOnlySpan<byte> MaxClientsReached => "ERROR max clients reached\r\n"u8;

    /// <summary>Sent to a client from another host when there is no password and protected mode is on, before the connection is closed.</summary>
    public static ReadOnlySpan<byte> ProtectedMode =>
        "ERROR protected mode: this server has no password and serves clients on its own host only; set --requirepass (or --protected-mode no, on a trusted network) to accept other hosts\r\n"u8;

    /// <summary>Any command but <c>AUTH</c> before the client has authenticated.</summary>
    public static ReadOnlySpan<byte> NoAuth => "ERROR NOAUTH authentication required\r\n"u8;

    /// <summary>An <c>AUTH</c> with the wrong password.</summary>
    public static ReadOnlySpan<byte> InvalidPassword => "ERROR invalid password\r\n"u8;

    /// <summary>An <c>AUTH</c> to a server that has no password.</summary>
    public static ReadOnlySpan<byte> NoPasswordSet => "ERROR AUTH called without any password configured\r\n"u8;

    /// <summary>A CREATE of a new bucket on a node that holds its most buckets.</summary>
    public static ReadOnlySpan<byte> TooManyBuckets => "ERROR too many buckets\r\n"u8;

    /// <summary>A command whose key is over the maximum.</summary>
    public static ReadOnlySpan<byte> KeyTooLong => "ERROR key too long\r\n"u8;

    /// <summary>The bucket's name is longer than the key limit (<c>--max-key-bytes</c>), which names are held to too.</summary>
    public static ReadOnlySpan<byte> BucketNameTooLong => "ERROR bucket name too long\r\n"u8;

    /// <summary>A PUT whose value is over the maximum.</summary>
    public static ReadOnlySpan<byte> ValueTooLarge => "ERROR value too large\r\n"u8;

    /// <summary>Ends a line of data, such as a GET's value.</summary>
    public static ReadOnlySpan<byte> LineEnd => "\r\n"u8;
}

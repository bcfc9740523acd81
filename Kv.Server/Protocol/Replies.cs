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

    /// <summary>Ends a line of data, such as a GET's value.</summary>
    public static ReadOnlySpan<byte> LineEnd => "\r\n"u8;
}

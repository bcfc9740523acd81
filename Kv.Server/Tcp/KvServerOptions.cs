namespace Kv.Server.Tcp;

/// <summary>Settings of the TCP text server, bound from configuration (command line, then environment).</summary>
internal sealed class KvServerOptions
{
    /// <summary>The default TCP port, as in the guide.</summary>
    public const int DefaultPort = 4040;

    /// <summary>The most clients <see cref="DefaultMaxClients"/> allows, as Redis's <c>maxclients</c> default.</summary>
    public const int MaxClientsCap = 10_000;

    /// <summary>The fewest clients <see cref="DefaultMaxClients"/> allows, however low the open-file limit.</summary>
    public const int MaxClientsFloor = 16;

    /// <summary>
    /// File descriptors that <see cref="DefaultMaxClients"/> leaves free beside those open when the
    /// server starts, for what the node opens later: links to other nodes, port-mapper connections,
    /// assemblies it loads (the runtime holds each open, twice), files, and the runtime's threads,
    /// each of which needs a pipe to start.
    /// </summary>
    public const int ReservedFileDescriptors = 128;

    /// <summary>The TCP port to listen on (<c>--port</c>, else <c>PORT</c>); 0 picks a free port.</summary>
    public int Port { get; set; } = DefaultPort;

    /// <summary>The address to listen on (<c>--bind</c>); every interface by default.</summary>
    public string Bind { get; set; } = "0.0.0.0";

    /// <summary>
    /// The longest request line accepted, in bytes (<c>--max-line-length</c>); a longer one is
    /// answered with <c>ERROR</c> and the connection is closed.
    /// </summary>
    public int MaxLineLength { get; set; } = 64 * 1024;

    /// <summary>
    /// The most clients served at once (<c>--max-clients</c>, Redis's <c>maxclients</c>): one more
    /// is answered <c>ERROR max clients reached</c> and closed, and the server goes on accepting.
    /// Null (the default) is <see cref="DefaultMaxClients"/>, from this process's file descriptors.
    /// </summary>
    public int? MaxClients { get; set; }

    /// <summary>
    /// How long, in seconds, a client may send nothing (nor take its replies) before the server
    /// closes its connection (<c>--timeout</c>, Redis's <c>timeout</c>); 0, the default, is never.
    /// A client waiting for a command on another node's bucket is not idle.
    /// </summary>
    public int IdleTimeoutSeconds { get; set; }

    /// <summary>
    /// The default of <see cref="MaxClients"/>: the open-file limit, less the descriptors open when
    /// the server starts and <see cref="ReservedFileDescriptors"/>, at most <see cref="MaxClientsCap"/>
    /// and at least <see cref="MaxClientsFloor"/>; <see cref="MaxClientsCap"/> when the limit is
    /// unknown or unlimited.
    /// </summary>
    /// <remarks>
    /// So that the node runs out of client slots before it runs out of file descriptors: a .NET
    /// process out of descriptors cannot start a thread, and aborts when it needs one. A node opens
    /// about 150 before its first client (the runtime alone, about 130).
    /// </remarks>
    public static int DefaultMaxClients(long? openFileLimit, int openNow) =>
        openFileLimit is { } limit
            ? (int)Math.Clamp(limit - openNow - ReservedFileDescriptors, MaxClientsFloor, MaxClientsCap)
            : MaxClientsCap;
}

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

    /// <summary>The default of <see cref="MaxKeyBytes"/>: 1 KiB, far above any sensible key, and small enough that keys do not outweigh values.</summary>
    public const int DefaultMaxKeyBytes = 1024;

    /// <summary>
    /// The default of <see cref="MaxValueBytes"/>: 60 KiB, so that with the default 64 KiB line a
    /// PUT too large is told so (and the connection stays) with room left for the verb, a bucket
    /// name and the longest key.
    /// </summary>
    public const int DefaultMaxValueBytes = 60 * 1024;

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
    /// The password clients must give with <c>AUTH</c> before any other command
    /// (<c>--requirepass</c>, else <c>KV_REQUIREPASS</c>, Redis's <c>requirepass</c>); none by default.
    /// It cannot contain white space, which separates the words of a request.
    /// </summary>
    public string? RequirePass { get; set; }

    /// <summary>
    /// <c>yes</c> (the default) or <c>no</c> (<c>--protected-mode</c>, Redis's <c>protected-mode</c>):
    /// with no password, whether clients from other hosts are refused (<see cref="IsProtectedMode"/>).
    /// </summary>
    public string ProtectedMode { get; set; } = "yes";

    /// <summary>Whether <see cref="ProtectedMode"/> is on: anything but <c>no</c> or <c>false</c>.</summary>
    public bool IsProtectedMode =>
        !ProtectedMode.Equals("no", StringComparison.OrdinalIgnoreCase) && !ProtectedMode.Equals("false", StringComparison.OrdinalIgnoreCase);

    /// <summary>The most buckets this node holds at once (<c>--max-buckets</c>); a CREATE past it, also one routed here, is <c>ERROR too many buckets</c>.</summary>
    public int MaxBuckets { get; set; } = Kv.Core.Buckets.BucketRegistry.DefaultMaxBuckets;

    /// <summary>The longest key in UTF-8 bytes (<c>--max-key-bytes</c>); a longer one is <c>ERROR key too long</c>.</summary>
    public int MaxKeyBytes { get; set; } = DefaultMaxKeyBytes;

    /// <summary>
    /// The largest value in UTF-8 bytes (<c>--max-value-bytes</c>); a larger one is <c>ERROR value too large</c>.
    /// A value is bounded by <see cref="MaxLineLength"/> too: a line over it closes the connection.
    /// </summary>
    public int MaxValueBytes { get; set; } = DefaultMaxValueBytes;

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

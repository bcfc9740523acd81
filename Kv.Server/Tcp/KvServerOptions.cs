namespace Kv.Server.Tcp;

/// <summary>Settings of the TCP text server, bound from configuration (command line, then environment).</summary>
internal sealed class KvServerOptions
{
    /// <summary>The default TCP port, as in the guide.</summary>
    public const int DefaultPort = 4040;

    /// <summary>The TCP port to listen on (<c>--port</c>, else <c>PORT</c>); 0 picks a free port.</summary>
    public int Port { get; set; } = DefaultPort;

    /// <summary>The address to listen on (<c>--bind</c>); every interface by default.</summary>
    public string Bind { get; set; } = "0.0.0.0";

    /// <summary>
    /// The longest request line accepted, in bytes (<c>--max-line-length</c>); a longer one is
    /// answered with <c>ERROR</c> and the connection is closed.
    /// </summary>
    public int MaxLineLength { get; set; } = 64 * 1024;
}

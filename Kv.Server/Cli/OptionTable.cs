using System.Globalization;
using Kv.Distribution.Nodes;
using Kv.Distribution.PortMapper;
using Kv.Server.Distribution;
using Kv.Server.Tcp;

namespace Kv.Server.Cli;

/// <summary>
/// Every option of the console host, in the order <c>--help</c> lists them, and the environment
/// variables the host reads. One entry per option: the parser, the help, the environment look-up
/// and the checks are made from it (<see cref="HostCommandLine"/>).
/// </summary>
internal static class OptionTable
{
    public static IReadOnlyList<HostOption> All { get; } =
    [
        // The TCP text server: KvServerOptions.
        new("--port", nameof(KvServerOptions.Port), "The text server's TCP port; 0 picks a free one.")
        {
            HelpName = "N",
            Default = $"{KvServerOptions.DefaultPort}, or this node's \"port\" in the nodes file",
            EnvironmentVariable = "PORT",
            Check = ValueChecks.Integer(0, 65535, "a TCP port, 0 to 65535"),
        },
        new("--bind", nameof(KvServerOptions.Bind), "The address the text server listens on.")
        {
            HelpName = "ADDRESS",
            Default = "0.0.0.0, every interface",
            Check = ValueChecks.IpAddress,
        },
        new("--requirepass", nameof(KvServerOptions.RequirePass), "The password clients give with AUTH before any other command (one word).")
        {
            HelpName = "PASSWORD",
            Default = "none",
            EnvironmentVariable = "KV_REQUIREPASS",
            Secret = true,
            Check = value => value.Any(char.IsWhiteSpace) ? "cannot contain white space: it is one word of AUTH password" : null,
        },
        new("--protected-mode", nameof(KvServerOptions.ProtectedMode), "yes: without a password, serve clients on this host only.")
        {
            HelpName = "yes|no",
            Default = "yes",
            Check = value => value is "yes" or "no" or "true" or "false" ? null : "must be yes or no",
        },
        new("--max-clients", nameof(KvServerOptions.MaxClients), "The most clients served at once; one more is answered ERROR and closed.")
        {
            HelpName = "N",
            Default = "from the open-file limit, at most 10000",
            Check = ValueChecks.Integer(1, int.MaxValue, "a number of clients, at least 1"),
        },
        new("--timeout", nameof(KvServerOptions.IdleTimeoutSeconds), "Close a client idle for this many seconds; 0 is never.")
        {
            HelpName = "SECONDS",
            Default = "0",
            Check = ValueChecks.Integer(0, int.MaxValue, "a number of seconds, 0 (never) or more"),
        },
        new("--max-line-length", nameof(KvServerOptions.MaxLineLength), "The longest request line, in bytes; a longer one closes the connection.")
        {
            HelpName = "BYTES",
            Default = Number(64 * 1024),
            Check = ValueChecks.Integer(16, int.MaxValue, "a number of bytes, at least 16"),
        },
        new("--max-buckets", nameof(KvServerOptions.MaxBuckets), "The most buckets this node holds.")
        {
            HelpName = "N",
            Default = Number(Kv.Core.Buckets.BucketRegistry.DefaultMaxBuckets),
            Check = ValueChecks.Integer(1, int.MaxValue, "a number of buckets, at least 1"),
        },
        new("--max-key-bytes", nameof(KvServerOptions.MaxKeyBytes), "The longest key or bucket name, in UTF-8 bytes.")
        {
            HelpName = "N",
            Default = Number(KvServerOptions.DefaultMaxKeyBytes),
            Check = ValueChecks.Integer(1, int.MaxValue, "a number of bytes, at least 1"),
        },
        new("--max-value-bytes", nameof(KvServerOptions.MaxValueBytes), "The largest value, in UTF-8 bytes.")
        {
            HelpName = "N",
            Default = Number(KvServerOptions.DefaultMaxValueBytes),
            Check = ValueChecks.Integer(0, int.MaxValue, "a number of bytes, 0 or more"),
        },

        // Distribution: NodeHostOptions.
        new("--sname", Node(nameof(NodeHostOptions.SName)), "Start a node named NAME@<this host's short name>, as erl -sname.")
        {
            HelpName = "NAME",
            Default = "none: not distributed",
            Check = value => NodeName.IsValidName(value) ? null : "takes a short name such as foo (letters, digits, '_' and '-'); --name takes a full one",
        },
        new("--name", Node(nameof(NodeHostOptions.Name)), "Start a node with a full name, NAME@HOST, as erl -name.")
        {
            HelpName = "NAME@HOST",
            Default = "none: not distributed",
            Check = value => NodeName.TryParse(value, out _, out _) && value.Contains('@', StringComparison.Ordinal) ? null : "takes a full name such as foo@host.example.com or foo@10.0.0.1",
        },
        new("--cookie", Node(nameof(NodeHostOptions.Cookie)), "The secret nodes prove to each other before they link.")
        {
            HelpName = "COOKIE",
            Default = "the file ~/.kv.cookie, created owner-only on first start",
            EnvironmentVariable = Cookie.EnvironmentVariable,
            Secret = true,
            OtherSpellings = ["setcookie"],
        },
        new("--dist-port", Node(nameof(NodeHostOptions.DistPort)), "The distribution port other nodes link to; pin it to open it in a firewall.")
        {
            HelpName = "N",
            Default = "0, an ephemeral port",
            Check = ValueChecks.Integer(0, 65535, "a TCP port, 0 to 65535"),
        },
        new("--dist-bind", Node(nameof(NodeHostOptions.DistBind)), "The address the distribution listener binds; a loopback one keeps the node, and the port mapper it hosts, to this host.")
        {
            HelpName = "ADDRESS",
            Default = "0.0.0.0, every interface",
            Check = ValueChecks.IpAddress,
        },
        new("--hidden", Node(nameof(NodeHostOptions.Hidden)), "Stay out of the full mesh: link only to the nodes asked for.") { Kind = OptionKind.Flag },
        new("--tick-time", Node(nameof(NodeHostOptions.TickTime)), "Seconds a silent link lives before it is declared down.")
        {
            HelpName = "SECONDS",
            Default = "15",
            Check = ValueChecks.PositiveSeconds,
        },
        new("--nodes", Node(nameof(NodeHostOptions.Nodes)), "The routing table: which node owns which buckets.")
        {
            HelpName = "PATH",
            Default = $"{Kv.Core.Routing.NodesFile.DefaultFileName} in the working directory when there is one, else every bucket is local",
        },
        new("--tls", Node(nameof(NodeHostOptions.Tls)), "TLS 1.3 on every link, with DIR/ca.pem and this node's NODE.pem and NODE-key.pem (as scripts/make-certs.sh makes them).")
        {
            HelpName = "DIR",
            Default = "off: plaintext links, authenticated by the cookie",
        },
        new("--tls-cert", Node(nameof(NodeHostOptions.TlsCert)), "TLS on every link, with this node's certificate (PEM; or a PKCS#12 bundle alone, its password in KV_TLS_PASSWORD).")
        {
            HelpName = "PATH",
        },
        new("--tls-key", Node(nameof(NodeHostOptions.TlsKey)), "The private key of --tls-cert (PEM).")
        {
            HelpName = "PATH",
        },
        new("--tls-ca", Node(nameof(NodeHostOptions.TlsCa)), "The cluster's CA certificate (PEM): every peer's certificate must be signed by it.")
        {
            HelpName = "PATH",
        },
        new("--load", Node(nameof(NodeHostOptions.Load)), $"Optional modules to export, comma-separated: {string.Join(", ", LoadableModules.Names)}.")
        {
            HelpName = "MODULES",
            Check = CheckModules,
        },

        // The process.
        new("--busy-wait", BusyWaitKey, "Keep a CPU awake this long after the last network read, at idle priority, so that the next request does not wait for it to wake (as the BEAM's +sbwt); 0 lets CPUs sleep at once.")
        {
            HelpName = "MICROSECONDS",
            Default = Number((int)Kv.Distribution.Support.BusyWait.DefaultWindow.TotalMicroseconds),
            EnvironmentVariable = "KV_BUSY_WAIT",
            Check = ValueChecks.Integer(0, 1_000_000, "a number of microseconds, 0 to 1000000"),
        },

        // Observability.
        new("--metrics-port", Telemetry.MetricsExportOptions.PortKey, "Serve kv's metrics for Prometheus at http://BIND:N/metrics (BIND is --bind's).")
        {
            HelpName = "N",
            Default = "off",
            Check = ValueChecks.Integer(1, 65535, "a TCP port, 1 to 65535"),
        },

        // The console: ShellOptions.
        new("--eval", "Shell:" + nameof(Shell.ShellOptions.Eval), "Run shell commands separated by ';', print their results and exit (no text server).")
        {
            HelpName = "COMMANDS",
        },
        new("--shell", "Shell:" + nameof(Shell.ShellOptions.Shell), "Read shell commands even when standard input is not a terminal.") { Kind = OptionKind.Flag },

        // The command line's own.
        new(Verbose, null, "On a startup failure, print the exception with its stack after the one-line error.") { Kind = OptionKind.Flag },
    ];

    /// <summary>Environment variables the host reads that are not an option's (those are listed with their option).</summary>
    public static IReadOnlyList<(string Name, string Description)> OtherEnvironment { get; } =
    [
        (PortMapperOptions.PortVariable, $"The port mapper's TCP port, the same for every node of a host [default: {PortMapperOptions.DefaultPort}]"),
        ("KV_TLS_PASSWORD", "The password of a PKCS#12 bundle given as --tls-cert alone"),
        ("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1 unless set: sockets complete on the epoll thread (0 puts them on the thread pool)"),
        ("Logging__LogLevel__Default", "The log level, as any .NET configuration key: Debug, Information, Warning [default: Information]"),
    ];

    /// <summary>The configuration key of <c>--busy-wait</c>: microseconds of <see cref="Kv.Distribution.Support.BusyWait.Window"/>.</summary>
    public const string BusyWaitKey = "BusyWait";

    /// <summary>The flag that prints a startup failure's stack.</summary>
    public const string Verbose = "--verbose";

    private static string Node(string property) => "Node:" + property;

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string? CheckModules(string value)
    {
        var unknown = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Except(LoadableModules.Names, StringComparer.Ordinal).ToList();
        return unknown.Count == 0
            ? null
            : $"must name loadable modules ({string.Join(", ", LoadableModules.Names)}), and there is no module {string.Join(", ", unknown)}";
    }
}

using System.Net.Sockets;
using Kv.Core.Buckets;
using Kv.Core.Routing;
using Kv.Distribution;
using Kv.Distribution.Nodes;
using Kv.Distribution.PortMapper;
using Kv.Server.Distribution;
using Kv.Server.Shell;
using Kv.Server.Tcp;
using Kv.Server.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Kv.Server;

/// <summary>The composition root: builds and runs the node's host from the command line.</summary>
internal static class KvHost
{
    private static readonly Dictionary<string, string> s_switches = new(StringComparer.Ordinal)
    {
        ["--port"] = nameof(KvServerOptions.Port),
        ["--bind"] = nameof(KvServerOptions.Bind),
        ["--max-line-length"] = nameof(KvServerOptions.MaxLineLength),
        ["--max-clients"] = nameof(KvServerOptions.MaxClients),
        ["--timeout"] = nameof(KvServerOptions.IdleTimeoutSeconds),
        ["--requirepass"] = nameof(KvServerOptions.RequirePass),
        ["--protected-mode"] = nameof(KvServerOptions.ProtectedMode),
        ["--max-buckets"] = nameof(KvServerOptions.MaxBuckets),
        ["--max-key-bytes"] = nameof(KvServerOptions.MaxKeyBytes),
        ["--max-value-bytes"] = nameof(KvServerOptions.MaxValueBytes),
        ["--sname"] = "Node:" + nameof(NodeHostOptions.SName),
        ["--name"] = "Node:" + nameof(NodeHostOptions.Name),
        ["--cookie"] = "Node:" + nameof(NodeHostOptions.Cookie),
        ["--hidden"] = "Node:" + nameof(NodeHostOptions.Hidden),
        ["--dist-port"] = "Node:" + nameof(NodeHostOptions.DistPort),
        ["--dist-bind"] = "Node:" + nameof(NodeHostOptions.DistBind),
        ["--tick-time"] = "Node:" + nameof(NodeHostOptions.TickTime),
        ["--load"] = "Node:" + nameof(NodeHostOptions.Load),
        ["--nodes"] = "Node:" + nameof(NodeHostOptions.Nodes),
        ["--tls"] = "Node:" + nameof(NodeHostOptions.Tls),
        ["--tls-cert"] = "Node:" + nameof(NodeHostOptions.TlsCert),
        ["--tls-key"] = "Node:" + nameof(NodeHostOptions.TlsKey),
        ["--tls-ca"] = "Node:" + nameof(NodeHostOptions.TlsCa),
        ["--eval"] = "Shell:" + nameof(ShellOptions.Eval),
        ["--shell"] = "Shell:" + nameof(ShellOptions.Shell),
        ["--metrics-port"] = MetricsExportOptions.PortKey,
    };

    /// <summary>Runs the node until Ctrl+C or SIGTERM; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        args = CommandLine.Normalize(args);
        var builder = Host.CreateApplicationBuilder(args);
        builder.Configuration.AddCommandLine(args, s_switches);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(2));

        // The host logs a failed start with a stack trace; RunAsync reports it below in one line
        // (expected failures) or with the exception (anything else).
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);

        // One line per message (the default format takes two, level and category above the text):
        // what a peer can make the node log over and over costs half the lines, and greps whole.
        builder.Logging.AddSimpleConsole(format => format.SingleLine = true);
        // The password: --requirepass, else RequirePass in configuration, else KV_REQUIREPASS.
        if (builder.Configuration[nameof(KvServerOptions.RequirePass)] is null
            && Environment.GetEnvironmentVariable("KV_REQUIREPASS") is { Length: > 0 } password)
        {
            builder.Configuration[nameof(KvServerOptions.RequirePass)] = password;
        }

        var shell = builder.Configuration.GetSection("Shell").Get<ShellOptions>() ?? new ShellOptions();
        var console = shell.Eval is not null || shell.Shell || !Console.IsInputRedirected;
        if (console)
        {
            // The console is for the shell: only warnings and errors are logged there.
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
        }

        var nodeSection = builder.Configuration.GetSection("Node");
        var nodeSettings = nodeSection.Get<NodeHostOptions>() ?? new NodeHostOptions();
        NodesConfig nodes;
        try
        {
            nodes = NodesFile.Load(nodeSettings.Nodes);
        }
        catch (InvalidDataException ex)
        {
            await Console.Error.WriteLineAsync($"kv: {ex.Message}");
            return 2;
        }

        // The TCP port: --port, else PORT, else this node's port in nodes.json, else 4040.
        if (builder.Configuration[nameof(KvServerOptions.Port)] is null
            && NodeName.TryParse(nodeSettings.NodeNameText, out var self, out _)
            && nodes.Nodes.TryGetValue(self, out var own) && own.Port is { } port)
        {
            builder.Configuration[nameof(KvServerOptions.Port)] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        builder.Services.AddKvNode(nodeSection, nodes);
        if (shell.Eval is null)
        {
            builder.Services.AddKvServer(builder.Configuration);
        }

        builder.Services.AddMetricsExport(builder.Configuration);
        builder.Services.Configure<ShellOptions>(builder.Configuration.GetSection("Shell"));
        builder.Services.AddSingleton(provider => new ShellCommands(provider.GetRequiredService<NodeHost>(), provider.GetRequiredService<Router>()) { WaitForSpawned = shell.Eval is not null });
        builder.Services.AddHostedService<ShellService>();

        using var host = builder.Build();
        try
        {
            await host.RunAsync();
            return Environment.ExitCode;
        }
        catch (OptionsValidationException ex)
        {
            await Console.Error.WriteLineAsync($"kv: {string.Join(" ", ex.Failures)}");
            return 2;
        }
        catch (Kv.Distribution.Tls.LinkTlsException ex)
        {
            await Console.Error.WriteLineAsync($"kv: TLS: {ex.Message}");
            return 2;
        }
        catch (CookieFileException ex)
        {
            // One line that names the file and the fix, as Erlang's "Cookie file ... must be
            // accessible by owner only": a configuration error, not a crash.
            await Console.Error.WriteLineAsync($"kv: {ex.Message}");
            return 2;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            await Console.Error.WriteLineAsync($"kv: the TCP port is already in use ({ex.Message}); pick another with --port.");
            return 2;
        }
        catch (InvalidOperationException ex) when (MetricsExport.DescribeStartFailure(ex, builder.Configuration) is { } failure)
        {
            await Console.Error.WriteLineAsync($"kv: {failure}");
            return 2;
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C or SIGTERM while still starting: a clean stop, as asked.
            return 0;
        }
        catch (Exception ex)
        {
            await Console.Error.WriteLineAsync($"kv: failed: {ex}");
            return 1;
        }
    }

    /// <summary>Registers this process's node (started when it has a name) and the port mapper it registers with.</summary>
    public static IServiceCollection AddKvNode(this IServiceCollection services, IConfiguration configuration, NodesConfig nodes)
    {
        services.AddOptions<NodeHostOptions>()
            .Bind(configuration)
            .Validate(o => !(o.SName is not null && o.Name is not null), "Give --sname or --name, not both.")
            .Validate(o => o.SName is null || (NodeName.IsValidName(o.SName) ), "--sname takes a short name such as foo (letters, digits, '_' and '-').")
            .Validate(o => o.Name is null || (NodeName.TryParse(o.Name, out _, out _) && o.Name.Contains('@', StringComparison.Ordinal)), "--name takes a full name such as foo@host.example.com.")
            .Validate(o => System.Net.IPAddress.TryParse(o.DistBind, out _), "--dist-bind must be an IP address, such as 0.0.0.0 or 127.0.0.1.")
            .Validate(o => o.IsDistributed || (o.Tls is null && o.TlsCert is null), "--tls and --tls-cert secure the links between nodes: give this node a name with --sname or --name.")
            .Validate(o => o.TlsCert is not null || (o.TlsKey is null && o.TlsCa is null), "--tls-key and --tls-ca go with --tls-cert (or use --tls DIR).")
            .ValidateOnStart();
        services.AddSingleton(_ => new DistributionMetrics());
        services.AddSingleton(provider => new NodeMetrics(provider.GetRequiredService<DistributionMetrics>(), provider.GetService<ServerMetrics>()));
        services.AddSingleton(nodes);
        services.TryAddSingleton(RegistryOf);
        services.AddSingleton(provider => new Router(nodes.Table, provider.GetRequiredService<BucketRegistry>()));
        services.AddSingleton<INodeDirectory>(provider => NodeDirectoryOf(nodes, provider.GetRequiredService<IOptions<NodeHostOptions>>().Value, provider.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<NodeHost>();
        services.AddHostedService(provider => provider.GetRequiredService<NodeHost>());
        return services;
    }

    /// <summary>The bucket registry, holding at most <c>--max-buckets</c> (<see cref="KvServerOptions.MaxBuckets"/>).</summary>
    private static BucketRegistry RegistryOf(IServiceProvider provider) =>
        new(provider.GetRequiredService<IOptions<KvServerOptions>>().Value.MaxBuckets);

    /// <summary>
    /// The port mapper, with the explicit addresses of nodes.json in front of it. A node that listens
    /// on loopback only hosts a port mapper on loopback only; otherwise it listens on every interface,
    /// for other hosts' look-ups (it answers them only those: registrations and the list of names
    /// are for loopback peers).
    /// </summary>
    private static StaticNodeDirectory NodeDirectoryOf(NodesConfig nodes, NodeHostOptions self, ILoggerFactory loggerFactory)
    {
        var portMapper = PortMapperOptions.FromEnvironment();
        if (System.Net.IPAddress.TryParse(self.DistBind, out var bind) && System.Net.IPAddress.IsLoopback(bind))
        {
            portMapper.BindAddress = bind;
        }

        var directory = new StaticNodeDirectory(new PortMapperDirectory(portMapper, loggerFactory));
        foreach (var (node, settings) in nodes.Nodes)
        {
            if (settings.Address is { } address)
            {
                directory.Set(node, System.Net.IPEndPoint.Parse(address));
            }
        }

        return directory;
    }

    /// <summary>Registers the bucket registry and the TCP text server, bound to <paramref name="configuration"/>.</summary>
    public static IServiceCollection AddKvServer(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<KvServerOptions>()
            .Bind(configuration)
            .Validate(o => o.Port is >= 0 and <= 65535, "--port must be a TCP port, 0 to 65535.")
            .Validate(o => System.Net.IPAddress.TryParse(o.Bind, out _), "--bind must be an IP address, such as 0.0.0.0 or 127.0.0.1.")
            .Validate(o => o.MaxLineLength >= 16, "--max-line-length must be at least 16 bytes.")
            .Validate(o => o.MaxClients is null or >= 1, "--max-clients must be at least 1.")
            .Validate(o => o.IdleTimeoutSeconds >= 0, "--timeout must be a number of seconds, 0 (never) or more.")
            .Validate(o => o.RequirePass is null || !o.RequirePass.Any(char.IsWhiteSpace), "--requirepass cannot contain white space: it is one word of AUTH password.")
            .Validate(o => o.ProtectedMode is "yes" or "no" or "true" or "false", "--protected-mode must be yes or no.")
            .Validate(o => o.MaxBuckets >= 1, "--max-buckets must be at least 1.")
            .Validate(o => o.MaxKeyBytes >= 1, "--max-key-bytes must be at least 1.")
            .Validate(o => o.MaxValueBytes >= 0, "--max-value-bytes must be 0 or more.")
            .ValidateOnStart();
        services.AddMetrics();
        services.TryAddSingleton(RegistryOf);
        services.TryAddSingleton(provider => new Router(RoutingTable.Local, provider.GetRequiredService<BucketRegistry>()));
        services.AddSingleton<ServerMetrics>();
        services.AddSingleton<KvTcpServer>();
        services.AddHostedService(provider => provider.GetRequiredService<KvTcpServer>());
        return services;
    }
}

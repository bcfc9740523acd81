using Kv.Core.Routing;
using Kv.Distribution.Nodes;
using Kv.Distribution.PortMapper;
using Kv.Server.Cli;
using Kv.Server.Distribution;
using Kv.Server.Shell;
using Kv.Server.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Kv.Server;

/// <summary>
/// The composition root: reads the command line (<see cref="HostCommandLine"/>, strict), then
/// builds and runs the node's host. Every expected failure to start is one line on standard error,
/// <c>kv: ...</c>, and exit code 2; the stack only with <c>--verbose</c>.
/// </summary>
internal static partial class KvHost
{
    /// <summary>Runs the node until Ctrl+C or SIGTERM; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var (given, exitCode) = new HostCommandLine(OptionTable.All).Parse(args);
        if (given is null)
        {
            return exitCode;
        }

        // The command line is read above, not by the host: the host's own configuration (appsettings.json,
        // environment variables) stays below it.
        var builder = Host.CreateApplicationBuilder();
        var verbose = given.Any(option => option.Key.Name == OptionTable.Verbose && option.Value == "true");
        ResolvedOptions? options = null;
        try
        {
            options = OptionResolver.Resolve(OptionTable.All, given, builder.Configuration, Environment.GetEnvironmentVariable);
            builder.Configuration.AddInMemoryCollection(options.Configuration);
            var portMapper = PortMapperFromEnvironment();
            var shell = builder.Configuration.GetSection("Shell").Get<ShellOptions>() ?? new ShellOptions();
            ConfigureLogging(builder.Logging, shell);

            var nodeSection = builder.Configuration.GetSection("Node");
            var nodeSettings = nodeSection.Get<NodeHostOptions>() ?? new NodeHostOptions();
            var nodes = LoadNodesFile(nodeSettings.Nodes);
            if (System.Net.IPAddress.TryParse(nodeSettings.DistBind, out var distBind) && System.Net.IPAddress.IsLoopback(distBind))
            {
                // A node kept to this host hosts its port mapper on loopback too (other hosts could only look it up).
                portMapper.BindAddress = distBind;
            }

            var addresses = await NodeAddresses.ResolveAsync(nodes, CancellationToken.None);

            // The TCP port: --port, else PORT, else the configuration, else this node's port in nodes.json, else 4040.
            if (!options.Has("--port")
                && NodeName.TryParse(nodeSettings.NodeNameText, out var self, out _)
                && nodes.Nodes.TryGetValue(self, out var own) && own.Port is { } port)
            {
                var text = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
                options.Set("--port", "Port", text, $"this node's \"port\", {text}, in {nodes.Path}");
                builder.Configuration["Port"] = text;
            }

            if (builder.Configuration[Cli.OptionTable.BusyWaitKey] is { } busyWait)
            {
                Kv.Distribution.Support.BusyWait.Shared.Window = TimeSpan.FromMicroseconds(int.Parse(busyWait, System.Globalization.CultureInfo.InvariantCulture));
            }

            builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(2));
            builder.Services.AddSingleton(options);
            builder.Services.AddSingleton(portMapper);
            builder.Services.AddKvNode(nodeSection, nodes, addresses);
            if (shell.Eval is null)
            {
                builder.Services.AddKvServer(builder.Configuration);
            }

            builder.Services.AddMetricsExport(builder.Configuration);
            builder.Services.AddHostedService<StartupBanner>();
            builder.Services.AddKvShell(builder.Configuration.GetSection("Shell"));

            using var host = builder.Build();
            await host.RunAsync();
            return Environment.ExitCode;
        }
        catch (StartupFailureException ex)
        {
            var source = ex.Option is { } option && options is not null ? $" ({options.SourceOf(option)})" : string.Empty;
            var fix = ex.Fix.Length == 0 ? string.Empty : $"; {ex.Fix}";
            return await FailAsync($"{ex.Problem}{source}{fix}", ex, verbose);
        }
        catch (Kv.Distribution.Tls.LinkTlsException ex)
        {
            return await FailAsync($"TLS: {ex.Message}", ex, verbose);
        }
        catch (InvalidOperationException ex) when (MetricsExport.DescribeStartFailure(ex, builder.Configuration) is { } failure)
        {
            return await FailAsync(failure, ex, verbose);
        }
        catch (Exception ex) when (ex is CookieFileException or OptionsValidationException)
        {
            // A cookie file open to others is refused in one line that names the file and the fix,
            // as Erlang's "Cookie file ... must be accessible by owner only".
            return await FailAsync(ex.Message, ex, verbose);
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

    /// <summary>Prints one line (and the exception, with <c>--verbose</c>) and returns the usage-error exit code.</summary>
    private static async Task<int> FailAsync(string message, Exception exception, bool verbose)
    {
        await Console.Error.WriteLineAsync($"kv: {message.TrimEnd('.')}.");
        if (verbose)
        {
            await Console.Error.WriteLineAsync(exception.ToString());
        }

        return HostCommandLine.UsageError;
    }

    private static void ConfigureLogging(ILoggingBuilder logging, ShellOptions shell)
    {
        // The host logs a failed start with a stack trace; RunAsync reports it in one line instead.
        logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);

        // One line per message (the default format takes two, level and category above the text):
        // what a peer can make the node log over and over costs half the lines, and greps whole.
        logging.AddSimpleConsole(format => format.SingleLine = true);
        if (shell.Eval is not null || shell.Shell || !Console.IsInputRedirected)
        {
            // The console is for the shell: only warnings and errors are logged there, and the
            // startup banner; but nothing of the banner before --eval's results, which scripts read.
            logging.SetMinimumLevel(LogLevel.Warning);
            logging.AddFilter(StartupBanner.Category, shell.Eval is null ? LogLevel.Information : LogLevel.None);
        }
    }

    private static PortMapperOptions PortMapperFromEnvironment()
    {
        try
        {
            return PortMapperOptions.FromEnvironment();
        }
        catch (InvalidOperationException ex)
        {
            throw new StartupFailureException(ex.Message, fix: string.Empty, innerException: ex);
        }
    }

    private static NodesConfig LoadNodesFile(string? path)
    {
        try
        {
            return NodesFile.Load(path);
        }
        catch (InvalidDataException ex)
        {
            throw new StartupFailureException(ex.Message, fix: string.Empty, innerException: ex);
        }
    }
}

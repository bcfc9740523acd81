using System.Text;
using Kv.Core.Routing;
using Kv.Server.Distribution;
using Kv.Server.Shell.Terminal;
using Kv.Server.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Win32.SafeHandles;

namespace Kv.Server.Shell;

/// <summary>Registers the console's shell: <c>--eval</c>, the line reader for piped input, or the line editor in a terminal.</summary>
internal static class ShellSetup
{
    /// <summary>
    /// Registers the shell bound to <paramref name="configuration"/> (the <c>Shell</c> section). When it
    /// will edit lines in a terminal (no <c>--eval</c>; standard input and output both a terminal),
    /// this also puts <see cref="Console.Out"/> (and <see cref="Console.Error"/> when it is the same
    /// terminal) through the shell's <see cref="TerminalScreen"/> at once: call it before the host is
    /// built, so that the console logger and the node's console group leader write through it too.
    /// </summary>
    public static IServiceCollection AddKvShell(this IServiceCollection services, IConfiguration configuration)
    {
        var settings = configuration.Get<ShellOptions>() ?? new ShellOptions();
        services.Configure<ShellOptions>(configuration);
        services.AddSingleton(provider => new ShellCommands(
            provider.GetRequiredService<NodeHost>(),
            provider.GetRequiredService<Router>(),
            provider.GetRequiredService<NodeMetrics>())
        {
            WaitForSpawned = settings.Eval is not null,
        });
        if (settings.Eval is null && IsTerminal())
        {
            services.AddSingleton(InstallScreen());
            services.AddSingleton<InteractiveShell>();
        }

        services.AddHostedService<ShellService>();
        return services;
    }

    /// <summary>Whether the shell talks to a person at a terminal that can draw (<c>TERM=dumb</c> cannot).</summary>
    private static bool IsTerminal() =>
        !Console.IsInputRedirected && !Console.IsOutputRedirected
        && Environment.GetEnvironmentVariable("TERM") is not (null or "" or "dumb");

    private static TerminalScreen InstallScreen()
    {
        var screen = new TerminalScreen(StandardOutput());
        Console.SetOut(new ScreenWriter(screen.Encoding, screen.Write, screen.Flush));
        if (!Console.IsErrorRedirected)
        {
            Console.SetError(new ScreenWriter(screen.Encoding, screen.Write, screen.Flush));
        }

        return screen;
    }

    /// <summary>
    /// Standard output as a plain file, not through <see cref="Console"/>: on Unix every write of the
    /// console's own streams takes <c>lock (Console.Out)</c>, and <see cref="Console.Out"/> is the
    /// shell's <see cref="ScreenWriter"/> (inside its synchronized wrapper): writing the screen under
    /// the screen's lock through it would take the two locks in both orders, and deadlock.
    /// </summary>
    private static StreamWriter StandardOutput() =>
        new(new FileStream(new SafeFileHandle(1, ownsHandle: false), FileAccess.Write, bufferSize: 0), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false))
        {
            AutoFlush = true,
        };
}

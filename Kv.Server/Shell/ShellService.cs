using Kv.Server.Distribution;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Kv.Server.Shell;

/// <summary>
/// The console: with <c>--eval</c> it runs the commands and stops the host (exit code 1 when one
/// failed); with <c>--shell</c>, or when standard input is a terminal, it reads commands until
/// <c>quit</c> or end of input; otherwise it reads nothing and the node runs until stopped. A
/// command's failure is printed as an error line and the shell goes on (<see cref="ShellCommands"/>).
/// </summary>
internal sealed class ShellService(ShellCommands commands, NodeHost nodeHost, IOptions<ShellOptions> options, IHostApplicationLifetime lifetime) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (settings.Eval is null && !settings.Shell && Console.IsInputRedirected)
        {
            return;
        }

        try
        {
            if (settings.Eval is { } eval)
            {
                await EvalAsync(eval, stoppingToken);
            }
            else
            {
                await InteractiveAsync(stoppingToken);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            // Commands print their own failures; this is the console itself failing. The node stops
            // with an exit code that says so, instead of a background service's silent end.
            await Console.Error.WriteLineAsync($"** the shell failed: {ex.Message}");
            Environment.ExitCode = 1;
        }

        lifetime.StopApplication();
    }

    private async Task EvalAsync(string eval, CancellationToken cancellationToken)
    {
        var failed = false;
        foreach (var command in eval.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var result = await commands.RunAsync(command, cancellationToken);
            if (result.Output.Length > 0)
            {
                await Console.Out.WriteLineAsync(result.Output);
            }

            failed |= !result.Ok;
            if (result.Quit)
            {
                break;
            }
        }

        await Console.Out.FlushAsync(cancellationToken);
        Environment.ExitCode = failed ? 1 : 0;
    }

    private async Task InteractiveAsync(CancellationToken cancellationToken)
    {
        await Console.Out.WriteLineAsync("kv shell: type help for the commands, quit to stop the node.");
        while (!cancellationToken.IsCancellationRequested)
        {
            await Console.Out.WriteAsync($"kv({nodeHost.Node?.Name.ToString() ?? "nonode@nohost"})> ");
            var line = await Console.In.ReadLineAsync(cancellationToken);
            if (line is null)
            {
                return;
            }

            var result = await commands.RunAsync(line, cancellationToken);
            if (result.Output.Length > 0)
            {
                await Console.Out.WriteLineAsync(result.Output);
            }

            if (result.Quit)
            {
                return;
            }
        }
    }
}

using Kv.Server.Distribution;
using Kv.Server.Shell.Terminal;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Kv.Server.Shell;

/// <summary>
/// The console: with <c>--eval</c> it runs the commands and stops the host (exit code 1 when one
/// failed); in a terminal it edits lines (<see cref="InteractiveShell"/>: history, completion,
/// Ctrl+C) until <c>quit</c>; with <c>--shell</c> and piped input it reads lines until <c>quit</c>
/// or end of input; otherwise it reads nothing and the node runs until stopped. A command's failure
/// is printed as an error line and the shell goes on (<see cref="ShellCommands"/>).
/// </summary>
internal sealed class ShellService(
    ShellCommands commands,
    NodeHost nodeHost,
    IOptions<ShellOptions> options,
    IHostApplicationLifetime lifetime,
    InteractiveShell? terminal = null) : BackgroundService
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
            else if (terminal is not null)
            {
                await terminal.RunAsync(stoppingToken);
            }
            else
            {
                await ReadLinesAsync(stoppingToken);
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

    /// <summary>The shell on piped input: a prompt, a line, its result, until <c>quit</c> or the end of input.</summary>
    private async Task ReadLinesAsync(CancellationToken cancellationToken)
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

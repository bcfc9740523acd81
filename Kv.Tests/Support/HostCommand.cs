using System.Diagnostics;

namespace Kv.Tests.Support;

/// <summary>
/// Runs the system tools that build and break a test network (<c>ip</c>, <c>nft</c>, <c>tc</c>), and
/// the samples, with a deadline, and fails with the command and what it printed when one does not succeed.
/// </summary>
internal static class HostCommand
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(10);

    /// <summary>Where programs are looked for: PATH, then the sbin folders a non-login root shell may lack.</summary>
    private static readonly string[] s_folders =
    [
        .. (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries),
        "/usr/sbin", "/sbin", "/usr/bin", "/bin",
    ];

    /// <summary>The full path of the program <paramref name="name"/>, or <see langword="null"/> when it is not installed.</summary>
    public static string? Find(string name) =>
        s_folders.Select(folder => Path.Combine(folder, name)).FirstOrDefault(File.Exists);

    /// <summary>The full path of <paramref name="name"/>; throws when it is not installed.</summary>
    public static string Require(string name) =>
        Find(name) ?? throw new InvalidOperationException($"'{name}' is not installed (looked in {string.Join(':', s_folders)}).");

    /// <summary>Runs a program to its end and returns its standard output; throws when it fails or outlives the deadline.</summary>
    public static async Task<string> RunAsync(string program, IEnumerable<string> args, string? input = null)
    {
        var result = await TryRunAsync(program, args, input);
        return result.ExitCode == 0
            ? result.Output
            : throw new InvalidOperationException($"`{result.Command}` failed with exit code {result.ExitCode}: {result.Error.Trim()}");
    }

    /// <summary>
    /// Runs a program to its end and returns its exit code and output, whatever they are; throws only
    /// when it outlives the deadline. <paramref name="environment"/> sets variables for it and
    /// <paramref name="workingDirectory"/> is where it runs (this process's own when null).
    /// </summary>
    public static async Task<CommandResult> TryRunAsync(string program, IEnumerable<string> args, string? input = null, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(Require(program))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? string.Empty,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        var command = $"{program} {string.Join(' ', info.ArgumentList)}";
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"`{command}` did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }

        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(s_deadline);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException($"`{command}` did not end within {s_deadline.TotalSeconds:0} s.");
        }

        return new CommandResult(command, process.ExitCode, await output, await error);
    }

    /// <summary>The same, blocking: for the environment probe, which runs where nothing can be awaited.</summary>
    public static CommandResult TryRun(string program, params string[] args) =>
        TryRunAsync(program, args).GetAwaiter().GetResult();
}

/// <summary>How a command ended: its exit code and what it printed.</summary>
internal sealed record CommandResult(string Command, int ExitCode, string Output, string Error);

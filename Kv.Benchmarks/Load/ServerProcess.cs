using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Kv.Benchmarks.Load;

/// <summary>
/// A <c>Kv.Server</c> node started as a process of its own from beside this tool's output, on a
/// free loopback port. It is killed on dispose, and also when this process exits without
/// disposing it (SIGTERM, an unhandled failure).
/// </summary>
internal sealed partial class ServerProcess : IAsyncDisposable
{
    private const int KeptOutputLines = 40;
    private static readonly TimeSpan s_exitWait = TimeSpan.FromSeconds(10);

    private readonly Process _process;
    private readonly Queue<string> _output = new();
    private readonly TaskCompletionSource<IPEndPoint> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServerProcess(Process process)
    {
        _process = process;
        AppDomain.CurrentDomain.ProcessExit += KillOnExit;
    }

    public int Id => _process.Id;

    /// <summary>Whether this is the raw baseline (<c>rawtext</c>), not a kv node.</summary>
    public bool IsRaw { get; private init; }

    public IPEndPoint EndPoint => _listening.Task.IsCompletedSuccessfully
        ? _listening.Task.Result
        : throw new InvalidOperationException("The server is not listening yet.");

    /// <summary>Starts the node and waits, up to <paramref name="deadline"/>, for its "kv listening on" line.</summary>
    public static Task<ServerProcess> StartAsync(
        TimeSpan deadline,
        CancellationToken cancellationToken,
        IReadOnlyList<string>? extraArgs = null,
        IReadOnlyDictionary<string, string>? environment = null) =>
        LaunchAsync("Kv.Server.dll", ["--port", "0", "--bind", "127.0.0.1", .. extraArgs ?? []], isRaw: false, deadline, environment, cancellationToken);

    /// <summary>Starts this tool's <c>rawtext <paramref name="args"/></c> (the raw baseline) and waits, up to <paramref name="deadline"/>, for its "listening on" line.</summary>
    public static Task<ServerProcess> StartRawAsync(IReadOnlyList<string> args, TimeSpan deadline, CancellationToken cancellationToken) =>
        LaunchAsync("Kv.Benchmarks.dll", ["rawtext", .. args], isRaw: true, deadline, environment: null, cancellationToken);

    private static async Task<ServerProcess> LaunchAsync(
        string dllName,
        IReadOnlyList<string> args,
        bool isRaw,
        TimeSpan deadline,
        IReadOnlyDictionary<string, string>? environment,
        CancellationToken cancellationToken)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, dllName);
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} is missing: build Kv.Benchmarks, whose project reference copies the server beside it.", dll);
        }

        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,

            // Not the repository root: a nodes.json there would route this node's buckets.
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var arg in (string[])[dll, .. args])
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var server = new ServerProcess(process) { IsRaw = isRaw };
        process.OutputDataReceived += (_, e) => server.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => server.OnLine(e.Data);
        process.Exited += (_, _) => server._listening.TrySetException(
            new InvalidOperationException($"The server exited (code {process.ExitCode}) before it listened. Output:\n{server.Output}"));
        try
        {
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            await server._listening.Task.WaitAsync(deadline, cancellationToken);
            return server;
        }
        catch (TimeoutException)
        {
            await server.DisposeAsync();
            throw new TimeoutException($"The server did not say \"listening on\" within {deadline.TotalSeconds} s. Output:\n{server.Output}");
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>The server's resident set size now, in KiB.</summary>
    public long ReadRssKiB() => ProcessMemory.ReadRssKiB(_process.Id);

    public async ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= KillOnExit;
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(s_exitWait);
            }
        }
        catch (InvalidOperationException)
        {
            // It was never started, or has already gone.
        }
        finally
        {
            _process.Dispose();
        }
    }

    private string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
            }
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Count == KeptOutputLines)
            {
                _output.Dequeue();
            }

            _output.Enqueue(line);
        }

        var match = ListeningLine().Match(line);
        if (match.Success)
        {
            var port = int.Parse(match.Groups["port"].Value, CultureInfo.InvariantCulture);
            _listening.TrySetResult(new IPEndPoint(IPAddress.Loopback, port));
        }
    }

    private void KillOnExit(object? sender, EventArgs e)
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    [GeneratedRegex(@"(?:kv|rawtext \w+) listening on .*:(?<port>\d+)$")]
    private static partial Regex ListeningLine();
}

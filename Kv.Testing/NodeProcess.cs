using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Xunit;

namespace Kv.Testing;

/// <summary>
/// A real <c>Kv.Server</c> process started from the test's output folder (a test project that
/// references the Kv.Server project has <c>Kv.Server.dll</c> there), with its output captured line
/// by line so that a test can wait for a line with a deadline instead of sleeping. Disposing it
/// kills the process if it still runs.
/// </summary>
public sealed partial class NodeProcess : IAsyncDisposable
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(20);

    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _seen = [];
    private bool _disposed;

    private NodeProcess(Process process) => _process = process;

    /// <summary>The console host's assembly, run with <c>dotnet</c>: <c>Kv.Server.dll</c> in the test's output folder.</summary>
    public static string ServerAssembly => Path.Combine(AppContext.BaseDirectory, "Kv.Server.dll");

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    /// <summary>Every output line read so far (stdout and stderr), for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_seen)
            {
                return string.Join('\n', _seen);
            }
        }
    }

    /// <summary>Starts <c>dotnet Kv.Server.dll</c> with <paramref name="args"/>.</summary>
    /// <param name="args">The console host's arguments.</param>
    public static NodeProcess Start(params string[] args) => Start(new Dictionary<string, string>(), args);

    /// <summary>Starts <c>dotnet Kv.Server.dll</c> with <paramref name="args"/> and these environment variables set.</summary>
    /// <param name="environment">Variables to set (or replace) in the node's environment.</param>
    /// <param name="args">The console host's arguments.</param>
    public static NodeProcess Start(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        StartUnder([], environment, args);

    /// <summary>
    /// Starts the node through <paramref name="launcher"/>, a command that runs the rest of its
    /// command line in the same process (it must exec, not fork), such as
    /// <c>prlimit --nofile=256:256 --</c> or <c>ip netns exec NS</c>: its process id is then the
    /// node's own, which signals reach.
    /// </summary>
    /// <param name="launcher">The command and its arguments; none to start <c>dotnet</c> directly.</param>
    /// <param name="environment">Variables to set (or replace) in the node's environment.</param>
    /// <param name="args">The console host's arguments.</param>
    /// <exception cref="FileNotFoundException"><see cref="ServerAssembly"/> is not there: the test project does not reference Kv.Server.</exception>
    public static NodeProcess StartUnder(IReadOnlyList<string> launcher, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        ArgumentNullException.ThrowIfNull(launcher);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(args);
        if (!File.Exists(ServerAssembly))
        {
            throw new FileNotFoundException($"{ServerAssembly} is not there: reference the Kv.Server project from the test project, so that its build lands beside the tests.", ServerAssembly);
        }

        var info = new ProcessStartInfo(launcher.Count > 0 ? launcher[0] : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,

            // Not the repository root: a nodes.json there would route this node's buckets.
            WorkingDirectory = AppContext.BaseDirectory,
        };
        if (launcher.Count > 0)
        {
            foreach (var word in launcher.Skip(1))
            {
                info.ArgumentList.Add(word);
            }

            info.ArgumentList.Add("dotnet");
        }

        info.ArgumentList.Add(ServerAssembly);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var node = new NodeProcess(process);
        process.OutputDataReceived += (_, e) => node.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => node.OnLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    /// <summary>
    /// Waits for an output line matching <paramref name="pattern"/> and returns its match. Lines are
    /// read in order, once: those before the match are passed over for good.
    /// </summary>
    /// <param name="pattern">What the line must match.</param>
    /// <param name="deadline">How long to wait; 20 s when null.</param>
    /// <exception cref="TimeoutException">No line matched in time; the message holds the output.</exception>
    public async Task<Match> WaitForLineAsync(Regex pattern, TimeSpan? deadline = null)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var limit = deadline ?? s_deadline;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(limit);
        try
        {
            await foreach (var line in _lines.Reader.ReadAllAsync(timeout.Token))
            {
                var match = pattern.Match(line);
                if (match.Success)
                {
                    return match;
                }
            }
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
        }

        throw new TimeoutException($"No line matched {pattern} within {limit}. Output:\n{Output}");
    }

    /// <summary>Waits for the line that says where the TCP server listens and returns its port.</summary>
    public async Task<int> WaitForListeningPortAsync() =>
        int.Parse((await WaitForLineAsync(ListeningLine())).Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Types <paramref name="text"/> on the process's standard input.</summary>
    /// <param name="text">What to type; end it with a new line to send a line.</param>
    public async Task TypeAsync(string text)
    {
        await _process.StandardInput.WriteAsync(text);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>Kills the process at once (SIGKILL, as <c>kill -9</c>): no clean-up runs in it.</summary>
    public void KillHard()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    /// <summary>Sends SIGTERM, as a service manager or <c>kill</c> does.</summary>
    public void Terminate() => Signal(SigTerm);

    /// <summary>Freezes the process (SIGSTOP, as <c>kill -STOP</c>): it runs nothing, its sockets stay open and unread.</summary>
    public void Freeze() => Signal(SigStop);

    /// <summary>Lets a frozen process run again (SIGCONT).</summary>
    public void Resume() => Signal(SigCont);

    /// <summary>Whether the process has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The process's resident memory now (VmRSS in <c>/proc/PID/status</c>), in bytes.</summary>
    public long ResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"No VmRSS line in /proc/{_process.Id}/status.");
    }

    /// <summary>Waits for the process to exit within <paramref name="limit"/>; returns its exit code.</summary>
    /// <param name="limit">How long to wait.</param>
    /// <exception cref="TimeoutException">It still runs after <paramref name="limit"/>.</exception>
    public async Task<int> WaitForExitAsync(TimeSpan limit)
    {
        await _process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(limit, TestContext.Current.CancellationToken);
        return _process.ExitCode;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_seen)
        {
            _seen.Add(line);
        }

        _lines.Writer.TryWrite(line);
    }

    private void Signal(int signal)
    {
        if (Kill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: error {Marshal.GetLastPInvokeError()}.");
        }
    }

    private const int SigTerm = 15;
    private const int SigCont = 18;
    private const int SigStop = 19;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [GeneratedRegex(@"kv listening on .*:(?<port>\d+)$")]
    private static partial Regex ListeningLine();
}

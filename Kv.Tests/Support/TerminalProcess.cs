using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Kv.Tests.Support;

/// <summary>
/// A real <c>Kv.Server</c> process in a pseudo-terminal of its own, as a person runs it in a terminal
/// window: its standard input, output and error are the terminal, which is its controlling terminal
/// (so Ctrl+C would be SIGINT unless the program reads it as a key). The test types keys and reads
/// the screen through a <see cref="VirtualScreen"/>.
/// </summary>
/// <remarks>
/// The node is started as <c>setsid sh -c 'exec dotnet Kv.Server.dll … &lt;PTS &gt;PTS 2&gt;&amp;1'</c>: a
/// session of its own whose first terminal, the pseudo-terminal, becomes its controlling one; its
/// process id is the node's. This process keeps the terminal's other end open too, so that reading
/// it never fails before the node has opened it; a reader thread feeds the screen until disposal.
/// </remarks>
internal sealed partial class TerminalProcess : IAsyncDisposable
{
    public const int Columns = 100;
    public const int Height = 40;

    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(20);

    private readonly int _master;
    private readonly int _slave;
    private readonly Process _process;
    private readonly VirtualScreen _screen = new(Columns, Height);
    private readonly Thread _reader;
    private volatile bool _stopping;
    private bool _disposed;

    private TerminalProcess(int master, int slave, Process process)
    {
        _master = master;
        _slave = slave;
        _process = process;
        _reader = new Thread(ReadLoop) { IsBackground = true, Name = "pty reader" };
        _reader.Start();
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The screen now, a row a line (for failure messages).</summary>
    public string Screen
    {
        get
        {
            lock (_screen)
            {
                return _screen.ToString();
            }
        }
    }

    /// <summary>Starts <c>Kv.Server</c> with <paramref name="args"/> in a new terminal of <see cref="Columns"/> by <see cref="Height"/>.</summary>
    public static TerminalProcess Start(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var master = Open("/dev/ptmx", ORdWr | ONoCtty | OCloExec);
        Check(Grantpt(master), "grantpt");
        Check(Unlockpt(master), "unlockpt");
        var path = SlavePath(master);
        var size = new WindowSize { Rows = Height, Columns = Columns };
        Check(Ioctl(master, TiocSWinSz, ref size), "ioctl(TIOCSWINSZ)");
        var slave = Open(path, ORdWr | ONoCtty | OCloExec);

        var info = new ProcessStartInfo(HostCommand.Require("setsid"))
        {
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var word in (string[])["sh", "-c", "exec \"$0\" \"$@\" <\"$KV_TEST_PTS\" >\"$KV_TEST_PTS\" 2>&1", "dotnet", Path.Combine(AppContext.BaseDirectory, "Kv.Server.dll"), .. args])
        {
            info.ArgumentList.Add(word);
        }

        info.Environment["KV_TEST_PTS"] = path;
        info.Environment["TERM"] = "xterm-256color";
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        return new TerminalProcess(master, slave, Process.Start(info) ?? throw new InvalidOperationException("setsid did not start"));
    }

    /// <summary>Types <paramref name="keys"/> (text, or sequences such as <c>\u001b[A</c> for Up, <c>\t</c>, <c>\u0003</c> for Ctrl+C).</summary>
    public void Type(string keys)
    {
        var bytes = Encoding.UTF8.GetBytes(keys);
        var written = 0;
        while (written < bytes.Length)
        {
            var n = Write(_master, bytes.AsSpan(written), bytes.Length - written);
            Check(n, "write");
            written += (int)n;
        }
    }

    /// <summary>Waits until the screen satisfies <paramref name="condition"/>; fails with the screen at the deadline.</summary>
    public async Task WaitForScreenAsync(Func<VirtualScreen, bool> condition, string what, TimeSpan? deadline = null)
    {
        var limit = deadline ?? s_deadline;
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            lock (_screen)
            {
                if (condition(_screen))
                {
                    return;
                }
            }

            if (Stopwatch.GetElapsedTime(started) > limit)
            {
                Assert.Fail($"Not on the screen within {limit}: {what}. The screen:\n{Screen}");
            }

            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Reads the screen now.</summary>
    public T Read<T>(Func<VirtualScreen, T> read)
    {
        lock (_screen)
        {
            return read(_screen);
        }
    }

    /// <summary>Waits for the process to exit within <paramref name="limit"/>; returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan limit)
    {
        await _process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(limit, TestContext.Current.CancellationToken);
        return _process.ExitCode;
    }

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
        }

        await _process.WaitForExitAsync();
        _stopping = true;
        _reader.Join(TimeSpan.FromSeconds(2));
        _process.Dispose();
        _ = Close(_slave);
        _ = Close(_master);
    }

    private void ReadLoop()
    {
        var buffer = new byte[4096];
        var decoder = Encoding.UTF8.GetDecoder();
        var chars = new char[Encoding.UTF8.GetMaxCharCount(buffer.Length)];
        var poll = new PollFd { Fd = _master, Events = PollIn };
        while (!_stopping)
        {
            if (Poll(ref poll, 1, 50) <= 0)
            {
                continue;
            }

            var n = Read(_master, buffer, buffer.Length);
            if (n <= 0)
            {
                return;
            }

            var count = decoder.GetChars(buffer, 0, (int)n, chars, 0);
            lock (_screen)
            {
                _screen.Feed(new string(chars, 0, count));
            }
        }
    }

    private static unsafe string SlavePath(int master)
    {
        var name = stackalloc byte[128];
        if (PtsnameR(master, name, 128) != 0)
        {
            throw new InvalidOperationException("ptsname_r failed");
        }

        return Marshal.PtrToStringUTF8((nint)name)!;
    }

    private static int Open(string path, int flags)
    {
        var fd = OpenFile(path, flags);
        Check(fd, $"open({path})");
        return fd;
    }

    private static void Check(long result, string call)
    {
        if (result < 0)
        {
            throw new InvalidOperationException($"{call} failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    private const int ORdWr = 0x2;
    private const int ONoCtty = 0x100;
    private const int OCloExec = 0x80000;
    private const short PollIn = 0x1;
    private const nuint TiocSWinSz = 0x5414;

    [StructLayout(LayoutKind.Sequential)]
    private struct WindowSize
    {
        public ushort Rows;
        public ushort Columns;
        public ushort XPixels;
        public ushort YPixels;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short ReturnedEvents;
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int OpenFile(string path, int flags);

    [LibraryImport("libc", EntryPoint = "grantpt", SetLastError = true)]
    private static partial int Grantpt(int fd);

    [LibraryImport("libc", EntryPoint = "unlockpt", SetLastError = true)]
    private static partial int Unlockpt(int fd);

    [LibraryImport("libc", EntryPoint = "ptsname_r", SetLastError = true)]
    private static unsafe partial int PtsnameR(int fd, byte* buffer, nuint length);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int Ioctl(int fd, nuint request, ref WindowSize size);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int Poll(ref PollFd fds, nuint count, int timeout);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint Read(int fd, byte[] buffer, nint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint Write(int fd, ReadOnlySpan<byte> buffer, nint count);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}

using System.Collections.Concurrent;
using RadLine;

namespace Kv.Server.Shell.Terminal;

/// <summary>
/// The line editor's keys: the terminal's, plus a redraw request that <see cref="TerminalScreen"/>
/// makes after writing output above the prompt, plus what was typed while a command ran.
/// </summary>
/// <remarks>
/// The editor asks for keys from one flow at a time, and <see cref="ReadAhead"/> runs only while it
/// does not (a command is running). Keys typed meanwhile wait, at most <see cref="MaxTypedAhead"/> of them.
/// </remarks>
internal sealed class TerminalKeys : IInputSource
{
    /// <summary>How many keys typed while a command runs are kept for the next line.</summary>
    public const int MaxTypedAhead = 1024;

    /// <summary>The key that only makes the editor draw its line again (bound to <see cref="RedrawCommand"/>).</summary>
    public static readonly ConsoleKeyInfo Redraw = new('\0', ConsoleKey.F24, shift: false, alt: false, control: false);

    private readonly ConcurrentQueue<ConsoleKeyInfo> _typedAhead = new();
    private int _redraw;

    public bool ByPassProcessing => false;

    public bool IsKeyAvailable() => Volatile.Read(ref _redraw) != 0 || !_typedAhead.IsEmpty || Console.KeyAvailable;

    public ConsoleKeyInfo ReadKey()
    {
        if (Interlocked.Exchange(ref _redraw, 0) != 0)
        {
            return Redraw;
        }

        return _typedAhead.TryDequeue(out var key) ? key : Console.ReadKey(intercept: true);
    }

    /// <summary>Asks the editor to draw the prompt and the input again (thread-safe).</summary>
    public void RequestRedraw() => Volatile.Write(ref _redraw, 1);

    /// <summary>
    /// Reads the keys typed while a command runs and keeps them for the next line; returns
    /// <see langword="true"/> when one was Ctrl+C, which drops them all (as a shell's interrupt does).
    /// </summary>
    public bool ReadAhead()
    {
        var interrupted = false;
        while (Console.KeyAvailable)
        {
            var key = Console.ReadKey(intercept: true);
            if (IsInterrupt(key))
            {
                interrupted = true;
                _typedAhead.Clear();
            }
            else if (_typedAhead.Count < MaxTypedAhead)
            {
                _typedAhead.Enqueue(key);
            }
        }

        return interrupted;
    }

    /// <summary>Whether <paramref name="key"/> is Ctrl+C (read as a key: <see cref="Console.TreatControlCAsInput"/> is on).</summary>
    public static bool IsInterrupt(ConsoleKeyInfo key) =>
        key.Key == ConsoleKey.C && key.Modifiers == ConsoleModifiers.Control;
}

using System.Text;

namespace Kv.Server.Shell.Terminal;

/// <summary>
/// The terminal the interactive shell draws on, shared by the line editor and everything else the
/// node prints (results, log lines, output of processes forwarded by the console group leader).
/// While a line is being edited, other output never lands inside it: the prompt's row is cleared,
/// the whole lines are written there, and the editor is asked to draw the prompt and the input
/// again below them.
/// </summary>
/// <remarks>
/// Every write to the terminal takes one lock, so a line of output and a redraw of the prompt never
/// interleave. Output while editing is written a whole line at a time; a partial line waits for its
/// end, for at most <see cref="MaxPartialLine"/> characters, and is written as it is when editing
/// stops. The terminal's cursor is tracked only as far as "at the start of a row", so that a prompt
/// never starts in the middle of output that did not end its line.
/// </remarks>
internal sealed class TerminalScreen(TextWriter terminal)
{
    /// <summary>The longest partial line of output held back while a line is edited; longer is written as a line of its own.</summary>
    public const int MaxPartialLine = 4096;

    /// <summary>Clears the cursor's row and moves to its first column.</summary>
    private const string ClearRow = "\r\u001b[2K";

    private readonly Lock _gate = new();
    private readonly StringBuilder _partial = new();
    private Action? _redraw;
    private bool _atRowStart = true;

    /// <summary>The encoding of the terminal's output.</summary>
    public Encoding Encoding => terminal.Encoding;

    /// <summary>Writes the line editor's own drawing (escape sequences included) as it is.</summary>
    public void Draw(string text)
    {
        lock (_gate)
        {
            terminal.Write(text);
            terminal.Flush();
            _atRowStart = text.EndsWith('\n');
        }
    }

    /// <summary>Writes output of the node: straight through, or above the prompt while a line is edited.</summary>
    public void Write(string text)
    {
        Action? redraw;
        lock (_gate)
        {
            redraw = _redraw;
            if (redraw is null)
            {
                terminal.Write(text);
                _atRowStart = text.Length > 0 ? text.EndsWith('\n') : _atRowStart;
                return;
            }

            _partial.Append(text);
            var end = LastNewLine(_partial);
            if (end < 0 && _partial.Length < MaxPartialLine)
            {
                return;
            }

            terminal.Write(ClearRow);
            if (end < 0)
            {
                terminal.Write(_partial.ToString());
                terminal.Write('\n');
                _partial.Clear();
            }
            else
            {
                terminal.Write(_partial.ToString(0, end + 1));
                _partial.Remove(0, end + 1);
            }

            terminal.Flush();
        }

        redraw();
    }

    /// <summary>Flushes the terminal's writer.</summary>
    public void Flush()
    {
        lock (_gate)
        {
            terminal.Flush();
        }
    }

    /// <summary>
    /// A line is about to be edited: from now on output goes above the prompt and then calls
    /// <paramref name="redraw"/> (on the writing thread, outside the lock). Output that left the
    /// cursor mid-row gets its line ended first, so that the prompt starts a row of its own.
    /// </summary>
    public void BeginEditing(Action redraw)
    {
        lock (_gate)
        {
            if (!_atRowStart)
            {
                terminal.Write('\n');
                terminal.Flush();
                _atRowStart = true;
            }

            _redraw = redraw;
        }
    }

    /// <summary>The edited line was submitted: output goes straight through again, starting with what was held back.</summary>
    public void EndEditing()
    {
        lock (_gate)
        {
            _redraw = null;
            if (_partial.Length > 0)
            {
                terminal.Write(_partial.ToString());
                terminal.Flush();
                _atRowStart = false;
                _partial.Clear();
            }
        }
    }

    private static int LastNewLine(StringBuilder text)
    {
        for (var i = text.Length - 1; i >= 0; i--)
        {
            if (text[i] == '\n')
            {
                return i;
            }
        }

        return -1;
    }
}

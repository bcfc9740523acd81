using System.Globalization;
using System.Text;

namespace Kv.Tests.Support;

/// <summary>
/// What a terminal shows after a program's output: the part of a VT100/xterm that line editors use
/// (text with auto-wrap, CR, LF, BS; cursor moves <c>ESC[nA/B/C/D/E/G/H</c>; erasing <c>ESC[K</c>,
/// <c>ESC[J</c>), so that a test reads rows as a person sees them, not the bytes that drew them.
/// Colours, modes and other sequences are read and ignored.
/// </summary>
/// <remarks>
/// Rows that scroll off the top are kept: <see cref="Rows"/> is the whole session. The cursor can
/// move only within the last <c>height</c> rows, as on a real screen. Not thread-safe.
/// </remarks>
internal sealed class VirtualScreen(int width, int height)
{
    private readonly List<StringBuilder> _rows = [new()];
    private readonly StringBuilder _sequence = new();
    private int _row;
    private int _column;
    private State _state;

    private enum State { Text, Escape, Csi, Osc, Charset }

    /// <summary>Every row so far, without trailing blanks.</summary>
    public IReadOnlyList<string> Rows => [.. _rows.Select(r => r.ToString().TrimEnd())];

    /// <summary>The row the cursor is on, without trailing blanks.</summary>
    public string CursorRow => _rows[_row].ToString().TrimEnd();

    /// <summary>The cursor's column (0 is the first).</summary>
    public int CursorColumn => _column;

    /// <summary>The screen as text, one row a line: for failure messages.</summary>
    public override string ToString() => string.Join('\n', Rows);

    /// <summary>Reads more of the program's output.</summary>
    public void Feed(string text)
    {
        foreach (var c in text)
        {
            switch (_state)
            {
                case State.Text:
                    Text(c);
                    break;
                case State.Escape:
                    _state = c switch
                    {
                        '[' => State.Csi,
                        ']' => State.Osc,
                        '(' or ')' => State.Charset,
                        _ => State.Text,
                    };
                    _sequence.Clear();
                    break;
                case State.Charset:
                    _state = State.Text;
                    break;
                case State.Osc:
                    _state = c is '\a' or '\u001b' ? State.Text : State.Osc;
                    break;
                case State.Csi when c is >= '@' and <= '~':
                    Control(c, _sequence.ToString());
                    _state = State.Text;
                    break;
                case State.Csi:
                    _sequence.Append(c);
                    break;
            }
        }
    }

    private void Text(char c)
    {
        switch (c)
        {
            case '\u001b':
                _state = State.Escape;
                break;
            case '\r':
                _column = 0;
                break;
            case '\n':
                MoveTo(_row + 1, _column, scroll: true);
                break;
            case '\b':
                _column = Math.Max(0, _column - 1);
                break;
            case < ' ':
                break;
            default:
                if (_column >= width)
                {
                    MoveTo(_row + 1, 0, scroll: true);
                }

                Put(c);
                _column++;
                break;
        }
    }

    private void Control(char final, string parameters)
    {
        if (parameters.StartsWith('?'))
        {
            return;
        }

        var numbers = parameters.Split(';').Select(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0).ToArray();
        var n = Math.Max(1, numbers[0]);
        switch (final)
        {
            case 'A':
                MoveTo(_row - n, _column);
                break;
            case 'B':
                MoveTo(_row + n, _column);
                break;
            case 'C':
                _column = Math.Min(width - 1, _column + n);
                break;
            case 'D':
                _column = Math.Max(0, _column - n);
                break;
            case 'E':
                MoveTo(_row + n, 0);
                break;
            case 'G':
                _column = Math.Min(width - 1, n - 1);
                break;
            case 'H' or 'f':
                MoveTo(Top + n - 1, numbers.Length > 1 ? Math.Max(1, numbers[1]) - 1 : 0);
                break;
            case 'K':
                Erase(_rows[_row], numbers[0]);
                break;
            case 'J' when numbers[0] == 0:
                for (var row = _row + 1; row < _rows.Count; row++)
                {
                    _rows[row].Clear();
                }

                Erase(_rows[_row], 0);
                break;
            case 'J' when numbers[0] == 2:
                for (var row = Top; row < _rows.Count; row++)
                {
                    _rows[row].Clear();
                }

                break;
        }
    }

    private int Top => Math.Max(0, _rows.Count - height);

    private void MoveTo(int row, int column, bool scroll = false)
    {
        while (scroll && row >= _rows.Count)
        {
            _rows.Add(new StringBuilder());
        }

        _row = Math.Clamp(row, Top, _rows.Count - 1);
        _column = Math.Clamp(column, 0, width - 1);
    }

    private void Put(char c)
    {
        var row = _rows[_row];
        if (row.Length <= _column)
        {
            row.Append(' ', _column - row.Length + 1);
        }

        row[_column] = c;
    }

    /// <summary>ESC[K: 0 from the cursor to the end, 1 from the start to the cursor, 2 the whole row.</summary>
    private void Erase(StringBuilder row, int mode)
    {
        switch (mode)
        {
            case 0 when row.Length > _column:
                row.Length = _column;
                break;
            case 1:
                for (var i = 0; i <= _column && i < row.Length; i++)
                {
                    row[i] = ' ';
                }

                break;
            case 2:
                row.Clear();
                break;
        }
    }
}

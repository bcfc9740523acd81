using System.Text;
using Spectre.Console;

namespace Kv.Server.Shell.Terminal;

/// <summary>
/// Where the line editor draws: the terminal, through <see cref="TerminalScreen.Draw"/>, at the
/// terminal's size now (80 by 24 when it does not say).
/// </summary>
internal sealed class EditorOutput(TerminalScreen screen) : IAnsiConsoleOutput
{
    public TextWriter Writer { get; } = new ScreenWriter(screen.Encoding, screen.Draw);

    public bool IsTerminal => true;

    public int Width => Size(() => Console.WindowWidth, 80);

    public int Height => Size(() => Console.WindowHeight, 24);

    public void SetEncoding(Encoding encoding)
    {
        // The terminal's encoding is the console's; the editor does not change it.
    }

    private static int Size(Func<int> read, int fallback)
    {
        try
        {
            return read() is > 0 and var size ? size : fallback;
        }
        catch (IOException)
        {
            return fallback;
        }
    }
}

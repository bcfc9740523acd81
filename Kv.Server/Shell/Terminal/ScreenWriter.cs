using System.Text;

namespace Kv.Server.Shell.Terminal;

/// <summary>
/// A <see cref="TextWriter"/> whose every write goes to one call of the <see cref="TerminalScreen"/>:
/// <see cref="TerminalScreen.Write"/> for what <see cref="Console.Out"/> (and <see cref="Console.Error"/>
/// when it is the same terminal) becomes in the interactive shell, which keeps it off the line being
/// edited; <see cref="TerminalScreen.Draw"/> for the line editor's own drawing.
/// </summary>
internal sealed class ScreenWriter(Encoding encoding, Action<string> write, Action? flush = null) : TextWriter
{
    public override Encoding Encoding => encoding;

    public override void Write(char value) => write(value.ToString());

    public override void Write(string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            write(value);
        }
    }

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void WriteLine(string? value) => Write(value + NewLine);

    public override void Flush() => flush?.Invoke();
}

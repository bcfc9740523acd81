using System.Text;

namespace Kv.Server.Shell.Terminal;

/// <summary>
/// What <see cref="Console.Out"/> (and <see cref="Console.Error"/> when it is the same terminal) becomes
/// in the interactive shell: every write goes through the <see cref="TerminalScreen"/>, which keeps
/// it off the line being edited.
/// </summary>
internal sealed class ScreenWriter(TerminalScreen screen) : TextWriter
{
    public override Encoding Encoding => screen.Encoding;

    public override void Write(char value) => screen.Write(value.ToString());

    public override void Write(string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            screen.Write(value);
        }
    }

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void WriteLine(string? value) => Write(value + NewLine);

    public override void Flush() => screen.Flush();
}

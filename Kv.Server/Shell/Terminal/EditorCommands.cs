using RadLine;

namespace Kv.Server.Shell.Terminal;

/// <summary>How the editing of one line ended.</summary>
internal enum LineEnd
{
    /// <summary>Enter: the line is a command.</summary>
    Submitted,

    /// <summary>Ctrl+C: the line is dropped (<see cref="EditedLine.Text"/> holds what it was).</summary>
    Cancelled,

    /// <summary>Ctrl+D on an empty line: end of input.</summary>
    EndOfInput,

    /// <summary>The node is stopping.</summary>
    Stopping,
}

/// <summary>One line as the editor gave it back: how it ended, and its text.</summary>
internal readonly record struct EditedLine(LineEnd End, string Text);

/// <summary>What the key commands of one line tell the editor's caller: set by Ctrl+C and Ctrl+D.</summary>
internal sealed class LineEnding
{
    public LineEnd End { get; set; } = LineEnd.Submitted;

    public string Text { get; set; } = string.Empty;
}

/// <summary>Ctrl+C: drops the line (out of the history too) and ends the editing; the caller shows it with <c>^C</c>.</summary>
internal sealed class CancelLineCommand(LineEnding ending) : LineEditorCommand
{
    public override void Execute(LineEditorContext context)
    {
        ending.End = LineEnd.Cancelled;
        ending.Text = context.Buffer.Content;
        context.Buffer.Clear(0, context.Buffer.Length);
        context.Buffer.Move(0);
        context.Submit(SubmitAction.Cancel);
    }
}

/// <summary>Ctrl+D: on an empty line, the end of input (as in iex, erl and every Unix shell); else deletes the character under the cursor.</summary>
internal sealed class EndOfInputCommand(LineEnding ending) : LineEditorCommand
{
    public override void Execute(LineEditorContext context)
    {
        if (context.Buffer.Length > 0)
        {
            new DeleteCommand().Execute(context);
            return;
        }

        ending.End = LineEnd.EndOfInput;
        context.Submit(SubmitAction.Cancel);
    }
}

/// <summary>Does nothing: the editor draws its line again after every key, and <see cref="TerminalKeys.Redraw"/> asks for just that.</summary>
internal sealed class RedrawCommand : LineEditorCommand
{
    public override void Execute(LineEditorContext context)
    {
    }
}

using RadLine;
using Spectre.Console;

namespace Kv.Server.Shell.Terminal;

/// <summary>
/// The shell's line editor (RadLine): cursor movement (arrows, Home/End, Ctrl+A/E, Ctrl+arrows by
/// word), history of the session (Up/Down, Ctrl+P/N), Tab completion (<see cref="CompleteCommand"/>),
/// Ctrl+C to drop the line (<see cref="CancelLineCommand"/>) and Ctrl+D to end the input. It draws
/// through the <see cref="TerminalScreen"/>, so output printed while a line is edited lands above
/// the prompt, which is then drawn again with the input as it was.
/// </summary>
internal sealed class ShellLineEditor
{
    private readonly LineEditor _editor;
    private readonly LineEnding _ending = new();
    private readonly TerminalScreen _screen;
    private readonly TerminalKeys _keys;
    private readonly string _prompt;

    public ShellLineEditor(TerminalScreen screen, TerminalKeys keys, string prompt, ShellCompletion completion)
    {
        _screen = screen;
        _keys = keys;
        _prompt = prompt;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.Yes,
            Out = new EditorOutput(screen),

            // The enrichers guess from the environment (CI variables among others) and would turn
            // the editor's terminal into a plain one: the shell has already checked it is a terminal.
            Enrichment = new ProfileEnrichment { UseDefaultEnrichers = false },
        });
        _editor = new LineEditor(console, keys) { Prompt = new LineEditorPrompt(Markup.Escape(prompt)) };

        var bindings = _editor.KeyBindings;
        bindings.Add(ConsoleKey.C, ConsoleModifiers.Control, () => new CancelLineCommand(_ending));
        bindings.Add(ConsoleKey.D, ConsoleModifiers.Control, () => new EndOfInputCommand(_ending));
        bindings.Add(ConsoleKey.Tab, () => new CompleteCommand(completion, screen.Write));
        bindings.Remove(ConsoleKey.Tab, ConsoleModifiers.Control);
        bindings.Add<PreviousHistoryCommand>(ConsoleKey.UpArrow);
        bindings.Add<NextHistoryCommand>(ConsoleKey.DownArrow);
        bindings.Add(ConsoleKey.P, ConsoleModifiers.Control, () => new PreviousHistoryCommand());
        bindings.Add(ConsoleKey.N, ConsoleModifiers.Control, () => new NextHistoryCommand());
        bindings.Add(ConsoleKey.A, ConsoleModifiers.Control, () => new MoveHomeCommand());
        bindings.Add(ConsoleKey.E, ConsoleModifiers.Control, () => new MoveEndCommand());
        bindings.Add<RedrawCommand>(TerminalKeys.Redraw.Key);
    }

    /// <summary>Edits one line after the prompt; a dropped line stays on the screen followed by <c>^C</c>.</summary>
    public async Task<EditedLine> ReadLineAsync(CancellationToken cancellationToken)
    {
        _ending.End = LineEnd.Submitted;
        _ending.Text = string.Empty;
        string? line;
        _screen.BeginEditing(_keys.RequestRedraw);
        try
        {
            line = await _editor.ReadLine(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            line = null;
        }
        finally
        {
            _screen.EndEditing();
        }

        if (line is not null)
        {
            return new EditedLine(LineEnd.Submitted, line);
        }

        if (_ending.End == LineEnd.Cancelled)
        {
            // The editor has drawn the emptied line and moved below it: draw it again as it was.
            _screen.Draw($"\u001b[1A\r\u001b[2K{_prompt} {_ending.Text}^C\n");
        }

        return _ending.End == LineEnd.Submitted ? new EditedLine(LineEnd.Stopping, string.Empty) : new EditedLine(_ending.End, _ending.Text);
    }
}

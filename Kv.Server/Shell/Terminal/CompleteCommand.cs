using RadLine;

namespace Kv.Server.Shell.Terminal;

/// <summary>
/// Tab, as in bash: completes the word before the cursor as far as every candidate agrees, with a
/// space after it when only one fits; when several fit and there is nothing more to add, lists them
/// above the prompt.
/// </summary>
internal sealed class CompleteCommand(ShellCompletion completion, Action<string> list) : LineEditorCommand
{
    public override void Execute(LineEditorContext context)
    {
        var buffer = context.Buffer;
        var before = buffer.Content[..buffer.Position];
        var start = before.LastIndexOf(' ') + 1;
        var word = before[start..];
        var candidates = completion.Candidates(before[..start], word);
        if (candidates.Count == 0)
        {
            return;
        }

        var common = ShellCompletion.CommonPrefix(candidates);
        var addition = common[word.Length..];
        if (candidates.Count == 1 && (buffer.AtEnd || buffer.Content[buffer.Position] != ' '))
        {
            addition += " ";
        }

        if (addition.Length > 0)
        {
            buffer.Insert(addition);
            buffer.Move(buffer.Position + addition.Length);
        }
        else if (candidates.Count > 1)
        {
            list(string.Join("  ", candidates) + "\n");
        }
    }
}

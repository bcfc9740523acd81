using System.Text;
using Kv.Distribution.Terms;

namespace Kv.Distribution.Processes;

/// <summary>
/// A <see cref="TextWriter"/> whose text goes, as io requests, to a group leader process, which
/// writes it to its node's console. Requests from one writer arrive in order.
/// </summary>
public sealed class GroupLeaderWriter(Node node, Pid groupLeader) : TextWriter
{
    /// <summary>The first element of an io request: <c>[:io_request, text]</c>.</summary>
    public static readonly Atom IoRequest = new("io_request");

    /// <inheritdoc />
    public override Encoding Encoding => Encoding.UTF8;

    /// <inheritdoc />
    public override void Write(char value) => Write(value.ToString());

    /// <inheritdoc />
    public override void Write(string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            node.Send(groupLeader, new object?[] { IoRequest, value });
        }
    }

    /// <inheritdoc />
    public override void WriteLine(string? value) => Write(value + NewLine);
}

using System.Text;
using Kv.Distribution.Terms;

namespace Kv.Distribution.Processes;

/// <summary>
/// Makes plain <see cref="Console"/> output of work started from another node (a spawned process,
/// a task, an rpc) appear on that node's console, as Erlang's group leaders do: <see cref="Install"/>
/// replaces <see cref="Console.Out"/> with a writer that forwards when the current work's group
/// leader is on another node, and writes here otherwise.
/// </summary>
public static class ConsoleForwarding
{
    private static readonly AsyncLocal<Pid?> s_groupLeader = new();

    /// <summary>The group leader of the work running on this async flow, if any.</summary>
    public static Pid? CurrentGroupLeader
    {
        get => s_groupLeader.Value;
        internal set => s_groupLeader.Value = value;
    }

    /// <summary>Routes <see cref="Console.Out"/> of <paramref name="node"/>'s processes to their group leaders.</summary>
    public static void Install(Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        Console.SetOut(new ForwardingWriter(node, Console.Out));
    }

    private sealed class ForwardingWriter(Node node, TextWriter local) : TextWriter
    {
        public override Encoding Encoding => local.Encoding;

        public override void Write(char value) => Write(value.ToString());

        public override void Write(string? value)
        {
            if (CurrentGroupLeader is { } leader && leader != node.GroupLeader && node.IsAlive)
            {
                if (!string.IsNullOrEmpty(value))
                {
                    node.Send(leader, new object?[] { GroupLeaderWriter.IoRequest, value });
                }

                return;
            }

            local.Write(value);
        }

        public override void WriteLine(string? value) => Write(value + NewLine);

        public override void Flush() => local.Flush();
    }
}

using Kv.Distribution.Terms;
using MessagePack;

namespace Kv.Distribution.Control;

/// <summary><see cref="ControlTag.Peers"/>: <c>[3, [node...]]</c>: the visible nodes the sender is linked to, to form a full mesh.</summary>
internal readonly struct PeersFrame(IReadOnlyList<string> nodes) : IControlFrame<PeersFrame>
{
    public static ControlTag Tag => ControlTag.Peers;

    public static int FieldCount => 2;

    public IReadOnlyList<string> Nodes => nodes;

    public static PeersFrame Read(ref MessagePackReader reader, TermCodec terms)
    {
        var count = reader.ReadArrayHeader();
        var nodes = new string[count];
        for (var i = 0; i < count; i++)
        {
            nodes[i] = ControlFields.ReadString(ref reader);
        }

        return new PeersFrame(nodes);
    }

    public void Write(ref MessagePackWriter writer, TermCodec terms)
    {
        ControlFields.WriteHeader<PeersFrame>(ref writer);
        writer.WriteArrayHeader(nodes.Count);
        foreach (var node in nodes)
        {
            writer.Write(node);
        }
    }
}

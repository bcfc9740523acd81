using Kv.Distribution.Terms;
using MessagePack;

namespace Kv.Distribution.Wire;

/// <summary><see cref="ControlTag.RpcCall"/>: <c>[1, callId, module, function, args, groupLeader]</c>.</summary>
internal readonly struct RpcCallFrame(ulong callId, string module, string function, object?[] args, Pid? groupLeader) : IFrameContent
{
    public void Write(ref MessagePackWriter writer, TermCodec terms)
    {
        writer.WriteArrayHeader(6);
        writer.Write((byte)ControlTag.RpcCall);
        writer.Write(callId);
        writer.Write(module);
        writer.Write(function);
        terms.WriteArray(ref writer, args);
        TermCodec.WritePid(ref writer, groupLeader);
    }
}

/// <summary><see cref="ControlTag.RpcReply"/>: <c>[2, callId, outcome, payload]</c>.</summary>
internal readonly struct RpcReplyFrame(ulong callId, RpcOutcome outcome, object? payload) : IFrameContent
{
    public void Write(ref MessagePackWriter writer, TermCodec terms)
    {
        writer.WriteArrayHeader(4);
        writer.Write((byte)ControlTag.RpcReply);
        writer.Write(callId);
        writer.Write((byte)outcome);
        terms.Write(ref writer, payload);
    }
}

/// <summary><see cref="ControlTag.Peers"/>: <c>[3, [node...]]</c>.</summary>
internal readonly struct PeersFrame(IReadOnlyList<string> nodes) : IFrameContent
{
    public void Write(ref MessagePackWriter writer, TermCodec terms)
    {
        writer.WriteArrayHeader(2);
        writer.Write((byte)ControlTag.Peers);
        writer.WriteArrayHeader(nodes.Count);
        foreach (var node in nodes)
        {
            writer.Write(node);
        }
    }
}

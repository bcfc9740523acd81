using System.Buffers;
using Kv.Distribution.Connections;
using Kv.Distribution.Terms;
using MessagePack;

namespace Kv.Distribution.Control;

/// <summary>Decodes a frame's body into its control message and hands it to an <see cref="IControlHandler"/>.</summary>
internal static class ControlReader
{
    /// <summary>Decodes <paramref name="body"/> and hands the message to <paramref name="handler"/>.</summary>
    /// <exception cref="ProtocolViolationException">An unknown tag, a wrong field count or a malformed field.</exception>
    public static void Dispatch(ReadOnlySequence<byte> body, TermCodec terms, IControlHandler handler)
    {
        var reader = new MessagePackReader(body);
        int fields;
        ControlTag tag;
        try
        {
            fields = reader.ReadArrayHeader();
            tag = (ControlTag)reader.ReadByte();
        }
        catch (Exception ex) when (IsMalformed(ex))
        {
            throw Malformed(ex);
        }

        // Only decoding is guarded: what the handler does with a message is not the peer's fault.
        switch (tag)
        {
            case ControlTag.Send: handler.Handle(Read<SendFrame>(ref reader, fields, terms)); break;
            case ControlTag.RpcCall: handler.Handle(Read<RpcCallFrame>(ref reader, fields, terms)); break;
            case ControlTag.RpcReply: handler.Handle(Read<RpcReplyFrame>(ref reader, fields, terms)); break;
            case ControlTag.Peers: handler.Handle(Read<PeersFrame>(ref reader, fields, terms)); break;
            case ControlTag.RegSend: handler.Handle(Read<RegSendFrame>(ref reader, fields, terms)); break;
            case ControlTag.Link: handler.Handle(Read<LinkFrame>(ref reader, fields, terms)); break;
            case ControlTag.Unlink: handler.Handle(Read<UnlinkFrame>(ref reader, fields, terms)); break;
            case ControlTag.Exit: handler.Handle(Read<ExitFrame>(ref reader, fields, terms)); break;
            case ControlTag.Monitor: handler.Handle(Read<MonitorFrame>(ref reader, fields, terms)); break;
            case ControlTag.Demonitor: handler.Handle(Read<DemonitorFrame>(ref reader, fields, terms)); break;
            case ControlTag.Down: handler.Handle(Read<DownFrame>(ref reader, fields, terms)); break;
            case ControlTag.SpawnRequest: handler.Handle(Read<SpawnRequestFrame>(ref reader, fields, terms)); break;
            case ControlTag.SpawnReply: handler.Handle(Read<SpawnReplyFrame>(ref reader, fields, terms)); break;
            default: throw new ProtocolViolationException($"unknown control message {(byte)tag} with {fields} fields");
        }
    }

    private static T Read<T>(ref MessagePackReader reader, int fields, TermCodec terms)
        where T : struct, IControlFrame<T>
    {
        if (fields != T.FieldCount)
        {
            throw new ProtocolViolationException($"{T.Tag} has {T.FieldCount} fields, not {fields}");
        }

        try
        {
            return T.Read(ref reader, terms);
        }
        catch (Exception ex) when (IsMalformed(ex))
        {
            throw Malformed(ex);
        }
    }

    private static bool IsMalformed(Exception ex) =>
        ex is MessagePackSerializationException or TermException or EndOfStreamException or OverflowException or InvalidOperationException;

    private static ProtocolViolationException Malformed(Exception ex) => new($"a malformed frame ({ex.Message})", ex);
}

using Kv.Distribution.Terms;
using MessagePack;

namespace Kv.Distribution.Control;

/// <summary><see cref="ControlTag.RpcCall"/>: <c>[1, callId, module, function, args, groupLeader | nil]</c>.</summary>
internal readonly struct RpcCallFrame(ulong callId, string module, string function, object?[] args, Pid? groupLeader)
    : IControlFrame<RpcCallFrame>, IRequestFrame<RpcCallFrame>
{
    public static ControlTag Tag => ControlTag.RpcCall;

    public static int FieldCount => 6;

    public ulong CallId => callId;

    public string Module => module;

    public string Function => function;

    public object?[] Args => args;

    /// <summary>Where console output of the call goes.</summary>
    public Pid? GroupLeader => groupLeader;

    public RpcCallFrame WithRequestId(ulong requestId) => new(requestId, module, function, args, groupLeader);

    public static RpcCallFrame Read(ref MessagePackReader reader, TermCodec terms) => new(
        reader.ReadUInt64(),
        ControlFields.ReadString(ref reader),
        ControlFields.ReadString(ref reader),
        terms.ReadArray(ref reader),
        ControlFields.ReadOptionalPid(ref reader, terms));

    public void Write(ref MessagePackWriter writer, TermCodec terms)
    {
        ControlFields.WriteHeader<RpcCallFrame>(ref writer);
        writer.Write(callId);
        writer.Write(module);
        writer.Write(function);
        terms.WriteArray(ref writer, args);
        TermCodec.WritePid(ref writer, groupLeader);
    }
}

/// <summary><see cref="ControlTag.RpcReply"/>: <c>[2, callId, outcome, payload]</c>.</summary>
internal readonly struct RpcReplyFrame(ulong callId, RpcOutcome outcome, object? payload) : IControlFrame<RpcReplyFrame>
{
    public static ControlTag Tag => ControlTag.RpcReply;

    public static int FieldCount => 4;

    public ulong CallId => callId;

    public RpcOutcome Outcome => outcome;

    /// <summary>The value, or what describes the failure (see <see cref="RpcOutcome"/>).</summary>
    public object? Payload => payload;

    public static RpcReplyFrame Read(ref MessagePackReader reader, TermCodec terms) =>
        new(reader.ReadUInt64(), (RpcOutcome)reader.ReadByte(), terms.Read(ref reader));

    public void Write(ref MessagePackWriter writer, TermCodec terms)
    {
        ControlFields.WriteHeader<RpcReplyFrame>(ref writer);
        writer.Write(callId);
        writer.Write((byte)outcome);
        terms.Write(ref writer, payload);
    }
}

using Kv.Distribution.Terms;
using MessagePack;

namespace Kv.Distribution.Control;

/// <summary>
/// <see cref="ControlTag.SpawnRequest"/>: <c>[12, requestId, from, groupLeader, module, function, args, link, monitor | nil]</c>:
/// start a process running an exported function, linked to <c>from</c> and monitored by it as asked.
/// </summary>
internal readonly struct SpawnRequestFrame(ulong requestId, Pid from, Pid groupLeader, string module, string function, object?[] args, bool link, Ref? monitor)
    : IControlFrame<SpawnRequestFrame>, IRequestFrame<SpawnRequestFrame>
{
    public static ControlTag Tag => ControlTag.SpawnRequest;

    public static int FieldCount => 9;

    public ulong RequestId => requestId;

    public Pid From => from;

    public Pid GroupLeader => groupLeader;

    public string Module => module;

    public string Function => function;

    public object?[] Args => args;

    public bool Link => link;

    public Ref? Monitor => monitor;

    public SpawnRequestFrame WithRequestId(ulong requestId) => new(requestId, from, groupLeader, module, function, args, link, monitor);

    public static SpawnRequestFrame Read(ref MessagePackReader reader, TermCodec terms) => new(
        reader.ReadUInt64(),
        ControlFields.ReadPid(ref reader, terms),
        ControlFields.ReadPid(ref reader, terms),
        ControlFields.ReadString(ref reader),
        ControlFields.ReadString(ref reader),
        terms.ReadArray(ref reader),
        reader.ReadBoolean(),
        ControlFields.ReadOptionalRef(ref reader, terms));

    public void Write(ref MessagePackWriter writer, TermCodec terms)
    {
        ControlFields.WriteHeader<SpawnRequestFrame>(ref writer);
        writer.Write(requestId);
        TermCodec.WritePid(ref writer, from);
        TermCodec.WritePid(ref writer, groupLeader);
        writer.Write(module);
        writer.Write(function);
        terms.WriteArray(ref writer, args);
        writer.Write(link);
        TermCodec.WriteRef(ref writer, monitor);
    }
}

/// <summary><see cref="ControlTag.SpawnReply"/>: <c>[13, requestId, pid | nil, error | nil]</c>.</summary>
internal readonly struct SpawnReplyFrame(ulong requestId, Pid? pid, string? error) : IControlFrame<SpawnReplyFrame>
{
    public static ControlTag Tag => ControlTag.SpawnReply;

    public static int FieldCount => 4;

    public ulong RequestId => requestId;

    /// <summary>The new process, or <see langword="null"/> when it could not start.</summary>
    public Pid? Pid => pid;

    /// <summary>Why it could not start.</summary>
    public string? Error => error;

    public static SpawnReplyFrame Read(ref MessagePackReader reader, TermCodec terms) =>
        new(reader.ReadUInt64(), ControlFields.ReadOptionalPid(ref reader, terms), terms.Read(ref reader) as string);

    public void Write(ref MessagePackWriter writer, TermCodec terms)
    {
        ControlFields.WriteHeader<SpawnReplyFrame>(ref writer);
        writer.Write(requestId);
        TermCodec.WritePid(ref writer, pid);
        terms.Write(ref writer, error);
    }
}

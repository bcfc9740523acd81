using Kv.Distribution.Terms;
using MessagePack;

namespace Kv.Distribution.Wire;

/// <summary><see cref="ControlTag.Send"/>: <c>[4, to, message]</c>.</summary>
internal readonly struct SendFrame(Pid to, object? message) : IFrameContent
{
    public void Write(ref MessagePackWriter writer, TermCodec terms)
    {
        writer.WriteArrayHeader(3);
        writer.Write((byte)ControlTag.Send);
        TermCodec.WritePid(ref writer, to);
        terms.Write(ref writer, message);
    }
}

/// <summary><see cref="ControlTag.RegSend"/>: <c>[5, from, name, message]</c>.</summary>
internal readonly struct RegSendFrame(Pid? from, string name, object? message) : IFrameContent
{
    public void Write(ref MessagePackWriter writer, TermCodec terms)
    {
        writer.WriteArrayHeader(4);
        writer.Write((byte)ControlTag.RegSend);
        TermCodec.WritePid(ref writer, from);
        writer.Write(name);
        terms.Write(ref writer, message);
    }
}

/// <summary>
/// The control messages between two processes that carry no payload but a reason or a reference:
/// <see cref="ControlTag.Link"/>, <see cref="ControlTag.Unlink"/>, <see cref="ControlTag.Exit"/>,
/// <see cref="ControlTag.Monitor"/>, <see cref="ControlTag.Demonitor"/> and <see cref="ControlTag.Down"/>.
/// </summary>
internal readonly struct SignalFrame(ControlTag tag, Pid first, Pid second, object? third = null, object? fourth = null, int fields = 3) : IFrameContent
{
    public static SignalFrame Link(Pid from, Pid to) => new(ControlTag.Link, from, to);

    public static SignalFrame Unlink(Pid from, Pid to) => new(ControlTag.Unlink, from, to);

    public static SignalFrame Exit(Pid from, Pid to, object? reason, bool explicitSignal) => new(ControlTag.Exit, from, to, reason, explicitSignal, 5);

    public static SignalFrame Down(Pid watcher, Ref monitor, Pid pid, object? reason) => new(ControlTag.Down, watcher, pid, monitor, reason, 5);

    public void Write(ref MessagePackWriter writer, TermCodec terms)
    {
        writer.WriteArrayHeader(fields);
        writer.Write((byte)tag);
        TermCodec.WritePid(ref writer, first);
        TermCodec.WritePid(ref writer, second);
        if (fields > 3)
        {
            terms.Write(ref writer, third);
        }

        if (fields > 4)
        {
            terms.Write(ref writer, fourth);
        }
    }
}

/// <summary><see cref="ControlTag.Monitor"/> and <see cref="ControlTag.Demonitor"/>: <c>[tag, from, to, ref]</c>, where to is a pid or a registered name.</summary>
internal readonly struct MonitorFrame(bool add, Pid from, object target, Ref monitor) : IFrameContent
{
    public void Write(ref MessagePackWriter writer, TermCodec terms)
    {
        writer.WriteArrayHeader(4);
        writer.Write((byte)(add ? ControlTag.Monitor : ControlTag.Demonitor));
        TermCodec.WritePid(ref writer, from);
        terms.Write(ref writer, target);
        TermCodec.WriteRef(ref writer, monitor);
    }
}

/// <summary><see cref="ControlTag.SpawnRequest"/>.</summary>
internal readonly struct SpawnRequestFrame(ulong requestId, Pid from, Pid groupLeader, string module, string function, object?[] args, bool link, Ref? monitor) : IFrameContent
{
    public void Write(ref MessagePackWriter writer, TermCodec terms)
    {
        writer.WriteArrayHeader(9);
        writer.Write((byte)ControlTag.SpawnRequest);
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
internal readonly struct SpawnReplyFrame(ulong requestId, Pid? pid, string? error) : IFrameContent
{
    public void Write(ref MessagePackWriter writer, TermCodec terms)
    {
        writer.WriteArrayHeader(4);
        writer.Write((byte)ControlTag.SpawnReply);
        writer.Write(requestId);
        TermCodec.WritePid(ref writer, pid);
        terms.Write(ref writer, error);
    }
}

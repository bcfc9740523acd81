using Kv.Distribution.Terms;
using MessagePack;

namespace Kv.Distribution.Control;

/// <summary><see cref="ControlTag.Link"/>: <c>[6, from, to]</c>; a dead or unknown <c>to</c> answers with an exit <c>noproc</c>.</summary>
internal readonly struct LinkFrame(Pid from, Pid to) : IControlFrame<LinkFrame>
{
    public static ControlTag Tag => ControlTag.Link;

    public static int FieldCount => 3;

    public Pid From => from;

    public Pid To => to;

    public static LinkFrame Read(ref MessagePackReader reader, TermCodec terms) =>
        new(ControlFields.ReadPid(ref reader, terms), ControlFields.ReadPid(ref reader, terms));

    public void Write(ref MessagePackWriter writer, TermCodec terms)
    {
        ControlFields.WriteHeader<LinkFrame>(ref writer);
        TermCodec.WritePid(ref writer, from);
        TermCodec.WritePid(ref writer, to);
    }
}

/// <summary><see cref="ControlTag.Unlink"/>: <c>[7, from, to]</c>.</summary>
internal readonly struct UnlinkFrame(Pid from, Pid to) : IControlFrame<UnlinkFrame>
{
    public static ControlTag Tag => ControlTag.Unlink;

    public static int FieldCount => 3;

    public Pid From => from;

    public Pid To => to;

    public static UnlinkFrame Read(ref MessagePackReader reader, TermCodec terms) =>
        new(ControlFields.ReadPid(ref reader, terms), ControlFields.ReadPid(ref reader, terms));

    public void Write(ref MessagePackWriter writer, TermCodec terms)
    {
        ControlFields.WriteHeader<UnlinkFrame>(ref writer);
        TermCodec.WritePid(ref writer, from);
        TermCodec.WritePid(ref writer, to);
    }
}

/// <summary>
/// <see cref="ControlTag.Exit"/>: <c>[8, from, to, reason, explicit]</c>: a linked process ended
/// (explicit false), or exit was called on <c>to</c> (explicit true; <c>:kill</c> cannot be trapped).
/// </summary>
internal readonly struct ExitFrame(Pid from, Pid to, object? reason, bool explicitSignal) : IControlFrame<ExitFrame>
{
    public static ControlTag Tag => ControlTag.Exit;

    public static int FieldCount => 5;

    public Pid From => from;

    public Pid To => to;

    public object? Reason => reason;

    public bool Explicit => explicitSignal;

    public static ExitFrame Read(ref MessagePackReader reader, TermCodec terms) => new(
        ControlFields.ReadPid(ref reader, terms),
        ControlFields.ReadPid(ref reader, terms),
        terms.Read(ref reader),
        terms.Read(ref reader) is true);

    public void Write(ref MessagePackWriter writer, TermCodec terms)
    {
        ControlFields.WriteHeader<ExitFrame>(ref writer);
        TermCodec.WritePid(ref writer, from);
        TermCodec.WritePid(ref writer, to);
        terms.Write(ref writer, reason);
        writer.Write(explicitSignal);
    }
}

using Kv.Distribution.Terms;
using MessagePack;

namespace Kv.Distribution.Control;

/// <summary><see cref="ControlTag.Send"/>: <c>[4, to, message]</c>.</summary>
internal readonly struct SendFrame(Pid to, object? message) : IControlFrame<SendFrame>
{
    public static ControlTag Tag => ControlTag.Send;

    public static int FieldCount => 3;

    public Pid To => to;

    public object? Message => message;

    public static SendFrame Read(ref MessagePackReader reader, TermCodec terms) =>
        new(ControlFields.ReadPid(ref reader, terms), terms.Read(ref reader));

    public void Write(ref MessagePackWriter writer, TermCodec terms)
    {
        ControlFields.WriteHeader<SendFrame>(ref writer);
        TermCodec.WritePid(ref writer, to);
        terms.Write(ref writer, message);
    }
}

/// <summary><see cref="ControlTag.RegSend"/>: <c>[5, from | nil, name, message]</c>: to the process registered under a name on the receiving node.</summary>
internal readonly struct RegSendFrame(Pid? from, string name, object? message) : IControlFrame<RegSendFrame>
{
    public static ControlTag Tag => ControlTag.RegSend;

    public static int FieldCount => 4;

    public Pid? From => from;

    public string Name => name;

    public object? Message => message;

    public static RegSendFrame Read(ref MessagePackReader reader, TermCodec terms) =>
        new(ControlFields.ReadOptionalPid(ref reader, terms), ControlFields.ReadString(ref reader), terms.Read(ref reader));

    public void Write(ref MessagePackWriter writer, TermCodec terms)
    {
        ControlFields.WriteHeader<RegSendFrame>(ref writer);
        TermCodec.WritePid(ref writer, from);
        writer.Write(name);
        terms.Write(ref writer, message);
    }
}

using Kv.Distribution.Terms;
using MessagePack;

namespace Kv.Distribution.Control;

/// <summary>
/// <see cref="ControlTag.Monitor"/>: <c>[9, from, to, ref]</c>, where <c>to</c> is a pid or a name
/// registered on the receiving node; a dead or unknown <c>to</c> answers with Down <c>noproc</c>.
/// </summary>
internal readonly struct MonitorFrame(Pid from, Pid to, string? toName, Ref monitor) : IControlFrame<MonitorFrame>
{
    public static ControlTag Tag => ControlTag.Monitor;

    public static int FieldCount => 4;

    public Pid From => from;

    /// <summary>The monitored pid, when <see cref="ToName"/> is <see langword="null"/>.</summary>
    public Pid To => to;

    /// <summary>The monitored name, when monitored by name.</summary>
    public string? ToName => toName;

    public Ref Monitor => monitor;

    public static MonitorFrame Read(ref MessagePackReader reader, TermCodec terms)
    {
        var from = ControlFields.ReadPid(ref reader, terms);
        var (to, name) = ControlFields.ReadTarget(ref reader, terms);
        return new(from, to, name, ControlFields.ReadRef(ref reader, terms));
    }

    public void Write(ref MessagePackWriter writer, TermCodec terms)
    {
        ControlFields.WriteHeader<MonitorFrame>(ref writer);
        TermCodec.WritePid(ref writer, from);
        ControlFields.WriteTarget(ref writer, to, toName);
        TermCodec.WriteRef(ref writer, monitor);
    }
}

/// <summary><see cref="ControlTag.Demonitor"/>: <c>[10, from, to, ref]</c>, <c>to</c> as in <see cref="MonitorFrame"/>.</summary>
internal readonly struct DemonitorFrame(Pid from, Pid to, string? toName, Ref monitor) : IControlFrame<DemonitorFrame>
{
    public static ControlTag Tag => ControlTag.Demonitor;

    public static int FieldCount => 4;

    public Pid From => from;

    public Pid To => to;

    public string? ToName => toName;

    public Ref Monitor => monitor;

    public static DemonitorFrame Read(ref MessagePackReader reader, TermCodec terms)
    {
        var from = ControlFields.ReadPid(ref reader, terms);
        var (to, name) = ControlFields.ReadTarget(ref reader, terms);
        return new(from, to, name, ControlFields.ReadRef(ref reader, terms));
    }

    public void Write(ref MessagePackWriter writer, TermCodec terms)
    {
        ControlFields.WriteHeader<DemonitorFrame>(ref writer);
        TermCodec.WritePid(ref writer, from);
        ControlFields.WriteTarget(ref writer, to, toName);
        TermCodec.WriteRef(ref writer, monitor);
    }
}

/// <summary><see cref="ControlTag.Down"/>: <c>[11, watcher, pid, ref, reason]</c>: the process <c>pid</c> that <c>watcher</c> monitors ended.</summary>
internal readonly struct DownFrame(Pid watcher, Pid pid, Ref monitor, object? reason) : IControlFrame<DownFrame>
{
    public static ControlTag Tag => ControlTag.Down;

    public static int FieldCount => 5;

    public Pid Watcher => watcher;

    public Pid Pid => pid;

    public Ref Monitor => monitor;

    public object? Reason => reason;

    public static DownFrame Read(ref MessagePackReader reader, TermCodec terms) => new(
        ControlFields.ReadPid(ref reader, terms),
        ControlFields.ReadPid(ref reader, terms),
        ControlFields.ReadRef(ref reader, terms),
        terms.Read(ref reader));

    public void Write(ref MessagePackWriter writer, TermCodec terms)
    {
        ControlFields.WriteHeader<DownFrame>(ref writer);
        TermCodec.WritePid(ref writer, watcher);
        TermCodec.WritePid(ref writer, pid);
        TermCodec.WriteRef(ref writer, monitor);
        terms.Write(ref writer, reason);
    }
}

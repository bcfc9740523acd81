using Kv.Distribution.Connections;
using Kv.Distribution.Terms;
using MessagePack;

namespace Kv.Distribution.Control;

/// <summary>Writing and reading the fields that control messages share: the header, pids, references, process targets.</summary>
internal static class ControlFields
{
    /// <summary>Writes the body's array header and tag for <typeparamref name="T"/>.</summary>
    public static void WriteHeader<T>(ref MessagePackWriter writer)
        where T : struct, IControlFrame<T>
    {
        writer.WriteArrayHeader(T.FieldCount);
        writer.Write((byte)T.Tag);
    }

    /// <summary>A pid, read unboxed: a frame's header allocates only the strings in it.</summary>
    public static Pid ReadPid(ref MessagePackReader reader, TermCodec terms) => terms.ReadPid(ref reader);

    /// <summary>A pid or nil.</summary>
    public static Pid? ReadOptionalPid(ref MessagePackReader reader, TermCodec terms) =>
        reader.TryReadNil() ? null : terms.ReadPid(ref reader);

    /// <summary>A reference, read unboxed.</summary>
    public static Ref ReadRef(ref MessagePackReader reader, TermCodec terms) => terms.ReadRef(ref reader);

    /// <summary>A reference or nil.</summary>
    public static Ref? ReadOptionalRef(ref MessagePackReader reader, TermCodec terms) =>
        reader.TryReadNil() ? null : terms.ReadRef(ref reader);

    /// <summary>A string that must be there.</summary>
    public static string ReadString(ref MessagePackReader reader) =>
        reader.ReadString() ?? throw new ProtocolViolationException("expected a string");

    /// <summary>Writes a process target: the name when there is one, else the pid.</summary>
    public static void WriteTarget(ref MessagePackWriter writer, Pid pid, string? name)
    {
        if (name is not null)
        {
            writer.Write(name);
        }
        else
        {
            TermCodec.WritePid(ref writer, pid);
        }
    }

    /// <summary>Reads a process target: a pid, or a name registered on the receiving node.</summary>
    public static (Pid Pid, string? Name) ReadTarget(ref MessagePackReader reader, TermCodec terms) =>
        reader.NextMessagePackType == MessagePackType.String ? (default, ReadString(ref reader)) : (terms.ReadPid(ref reader), null);
}

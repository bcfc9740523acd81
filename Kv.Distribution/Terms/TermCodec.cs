using System.Buffers;
using System.Collections;
using System.Collections.Concurrent;
using Kv.Distribution.Nodes;
using Kv.Distribution.Support;
using MessagePack;

namespace Kv.Distribution.Terms;

/// <summary>
/// Writes and reads the terms that cross the wire: <see langword="null"/>, booleans, integers
/// (read back as <see cref="long"/>, or <see cref="ulong"/> above its range), floating point
/// numbers (read back as <see cref="double"/>), strings, byte arrays (written from a <c>byte[]</c>,
/// a <c>ReadOnlyMemory&lt;byte&gt;</c> or a <see cref="PooledBufferWriter"/>'s bytes, read back as
/// <c>byte[]</c>), arrays (read back as
/// <c>object?[]</c>), maps (read back as <c>Dictionary&lt;object, object?&gt;</c>),
/// <see cref="Atom"/>, <see cref="Pid"/>, <see cref="Ref"/>, and user types registered with
/// <see cref="Register{T}"/>.
/// </summary>
/// <remarks>
/// Nothing else is ever instantiated from the wire: there is no typeless or polymorphic
/// deserialization. A registered user type is (de)serialized by MessagePack's standard resolver
/// under <see cref="MessagePackSecurity.UntrustedData"/>. Nesting is limited to
/// <see cref="MaxDepth"/> levels.
/// </remarks>
public sealed partial class TermCodec
{
    /// <summary>The deepest nesting of arrays and maps accepted.</summary>
    public const int MaxDepth = 64;

    private static readonly MessagePackSerializerOptions s_userTypeOptions =
        MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData);

    private readonly ConcurrentDictionary<string, Type> _typesByName = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Type, string> _namesByType = new();
    private readonly NodeNameTable _nodeNames = new();

    /// <summary>
    /// Allows <typeparamref name="T"/> to cross the wire under <paramref name="wireName"/>. The type
    /// must be serializable by MessagePack's standard resolver (e.g. marked
    /// <see cref="MessagePackObjectAttribute"/>). Both nodes must register it under the same name.
    /// </summary>
    public void Register<T>(string wireName)
    {
        ArgumentException.ThrowIfNullOrEmpty(wireName);
        if (!_typesByName.TryAdd(wireName, typeof(T)) && _typesByName[wireName] != typeof(T))
        {
            throw new InvalidOperationException($"The wire name '{wireName}' is already registered for {_typesByName[wireName]}.");
        }

        _namesByType[typeof(T)] = wireName;
    }

    /// <summary>
    /// The name equal to <paramref name="node"/> that pids and references read from now on carry:
    /// <paramref name="node"/> itself when it is the first (a node gives its own name, so that telling
    /// its own pids from others' is a reference check; a link is keyed by the one its peer's pids carry).
    /// </summary>
    internal NodeName Intern(NodeName node) => _nodeNames.Intern(node);

    /// <summary>Writes <paramref name="value"/>.</summary>
    /// <exception cref="TermException">The value (or a part of it) is of a type that cannot cross the wire.</exception>
    public void Write(ref MessagePackWriter writer, object? value) => Write(ref writer, value, 0);

    /// <summary>Writes <paramref name="values"/> as a MessagePack array.</summary>
    public void WriteArray(ref MessagePackWriter writer, ReadOnlySpan<object?> values) => WriteItems(ref writer, values, 0);

    /// <summary>Writes <paramref name="pid"/> as <see cref="Write(ref MessagePackWriter, object?)"/> does, without boxing it.</summary>
    internal static void WritePid(ref MessagePackWriter writer, Pid pid) =>
        WriteIdentity(ref writer, TermExtensions.Pid, pid.Node, pid.Id, pid.Creation);

    /// <summary>Writes <paramref name="pid"/>, or nil, as <see cref="Write(ref MessagePackWriter, object?)"/> does, without boxing it.</summary>
    internal static void WritePid(ref MessagePackWriter writer, Pid? pid)
    {
        if (pid is { } value)
        {
            WritePid(ref writer, value);
        }
        else
        {
            writer.WriteNil();
        }
    }

    /// <summary>Writes <paramref name="reference"/> as <see cref="Write(ref MessagePackWriter, object?)"/> does, without boxing it.</summary>
    internal static void WriteRef(ref MessagePackWriter writer, Ref reference) =>
        WriteIdentity(ref writer, TermExtensions.Ref, reference.Node, reference.Id, reference.Creation);

    /// <summary>Writes <paramref name="reference"/>, or nil, as <see cref="Write(ref MessagePackWriter, object?)"/> does, without boxing it.</summary>
    internal static void WriteRef(ref MessagePackWriter writer, Ref? reference)
    {
        if (reference is { } value)
        {
            WriteRef(ref writer, value);
        }
        else
        {
            writer.WriteNil();
        }
    }


    private void Write(ref MessagePackWriter writer, object? value, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new TermException($"Terms nest deeper than {MaxDepth} levels.");
        }

        switch (value)
        {
            case null: writer.WriteNil(); break;
            case bool b: writer.Write(b); break;
            case string s: writer.Write(s); break;
            case long l: writer.Write(l); break;
            case int i: writer.Write(i); break;
            case double d: writer.Write(d); break;
            case byte[] bytes: writer.Write(bytes); break;
            case Atom atom: WriteAtom(ref writer, atom); break;
            case Pid pid: WriteIdentity(ref writer, TermExtensions.Pid, pid.Node, pid.Id, pid.Creation); break;
            case Ref reference: WriteIdentity(ref writer, TermExtensions.Ref, reference.Node, reference.Id, reference.Creation); break;
            case short s16: writer.Write(s16); break;
            case byte u8: writer.Write(u8); break;
            case sbyte s8: writer.Write(s8); break;
            case ushort u16: writer.Write(u16); break;
            case uint u32: writer.Write(u32); break;
            case ulong u64: writer.Write(u64); break;
            case float f: writer.Write(f); break;
            case ReadOnlyMemory<byte> memory: writer.Write(memory.Span); break;
            case PooledBufferWriter pooled: writer.Write(pooled.WrittenMemory.Span); break;
            case IDictionary map: WriteMap(ref writer, map, depth); break;
            case object?[] array: WriteItems(ref writer, array, depth); break;
            case IList list: WriteList(ref writer, list, depth); break;
            default: WriteUserType(ref writer, value); break;
        }
    }

    private static void WriteAtom(ref MessagePackWriter writer, Atom atom)
    {
        var name = atom.Name ?? string.Empty;
        var length = System.Text.Encoding.UTF8.GetByteCount(name);
        writer.WriteExtensionFormatHeader(new ExtensionHeader(TermExtensions.Atom, length));
        var span = writer.GetSpan(length);
        System.Text.Encoding.UTF8.GetBytes(name, span);
        writer.Advance(length);
    }

    /// <summary>
    /// Writes a pid or reference: the extension header, then its body <c>[node, id, creation]</c>
    /// straight after it. The body's length is computed first (MessagePack's compact forms of the
    /// three have sizes known in advance), and the node's name is copied from the UTF-8 bytes it
    /// carries, so nothing is allocated, transcoded or copied twice.
    /// </summary>
    private static void WriteIdentity(ref MessagePackWriter writer, sbyte code, NodeName node, ulong id, uint creation)
    {
        var name = node.Utf8;
        var length = 1 + StringHeaderSize(name.Length) + name.Length + UnsignedSize(id) + UnsignedSize(creation);
        writer.WriteExtensionFormatHeader(new ExtensionHeader(code, length));

        // The body was once serialized by a writer of its own, which never uses the old spec's
        // forms; keep those bytes (and the length above) whatever the caller's writer is set to.
        var oldSpec = writer.OldSpec;
        writer.OldSpec = false;
        writer.WriteArrayHeader(3);
        writer.WriteString(name);
        writer.Write(id);
        writer.Write(creation);
        writer.OldSpec = oldSpec;
    }

    /// <summary>The bytes of the header <see cref="MessagePackWriter.WriteString(ReadOnlySpan{byte})"/> writes before <paramref name="length"/> bytes.</summary>
    private static int StringHeaderSize(int length) => length switch
    {
        <= 31 => 1,              // fixstr
        <= byte.MaxValue => 2,   // str 8
        <= ushort.MaxValue => 3, // str 16
        _ => 5,                  // str 32
    };

    /// <summary>The bytes <see cref="MessagePackWriter.Write(ulong)"/> writes for <paramref name="value"/>.</summary>
    private static int UnsignedSize(ulong value) => value switch
    {
        <= 127 => 1,              // positive fixint
        <= byte.MaxValue => 2,    // uint 8
        <= ushort.MaxValue => 3,  // uint 16
        <= uint.MaxValue => 5,    // uint 32
        _ => 9,                   // uint 64
    };

    /// <summary>An array of terms: by span, as an array's enumerator would be an allocation.</summary>
    private void WriteItems(ref MessagePackWriter writer, ReadOnlySpan<object?> items, int depth)
    {
        writer.WriteArrayHeader(items.Length);
        foreach (var item in items)
        {
            Write(ref writer, item, depth + 1);
        }
    }

    private void WriteList(ref MessagePackWriter writer, IList list, int depth)
    {
        writer.WriteArrayHeader(list.Count);
        foreach (var item in list)
        {
            Write(ref writer, item, depth + 1);
        }
    }

    private void WriteMap(ref MessagePackWriter writer, IDictionary map, int depth)
    {
        writer.WriteMapHeader(map.Count);
        foreach (DictionaryEntry entry in map)
        {
            Write(ref writer, entry.Key, depth + 1);
            Write(ref writer, entry.Value, depth + 1);
        }
    }

    private void WriteUserType(ref MessagePackWriter writer, object value)
    {
        var type = value.GetType();
        if (!_namesByType.TryGetValue(type, out var wireName))
        {
            throw new TermException($"A {type} cannot cross the wire: only plain data, atoms, pids, references and registered types can. Register it with TermCodec.Register<{type.Name}>(name) on both nodes.");
        }

        var body = new ArrayBufferWriter<byte>(128);
        var inner = new MessagePackWriter(body);
        inner.WriteArrayHeader(2);
        inner.Write(wireName);
        inner.Flush();
        MessagePackSerializer.Serialize(type, body, value, s_userTypeOptions);
        writer.WriteExtensionFormat(new ExtensionResult(TermExtensions.UserType, new ReadOnlySequence<byte>(body.WrittenMemory)));
    }

}

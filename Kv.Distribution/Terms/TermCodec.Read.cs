using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using Kv.Distribution.Nodes;
using MessagePack;

namespace Kv.Distribution.Terms;

/// <summary>Reading terms: the other half of <see cref="TermCodec"/>.</summary>
public sealed partial class TermCodec
{
    /// <summary>Reads one term.</summary>
    /// <exception cref="TermException">The bytes are not a well-formed term of the types listed above.</exception>
    public object? Read(ref MessagePackReader reader) => Read(ref reader, 0);

    /// <summary>Reads a pid, unboxed, as frame headers carry them.</summary>
    /// <exception cref="TermException">What comes next is not a well-formed pid.</exception>
    internal Pid ReadPid(ref MessagePackReader reader)
    {
        ReadIdentity(ref reader, TermExtensions.Pid, out var node, out var id, out var creation);
        return new Pid(node, id, creation);
    }

    /// <summary>Reads a reference, unboxed, as frame headers carry them.</summary>
    /// <exception cref="TermException">What comes next is not a well-formed reference.</exception>
    internal Ref ReadRef(ref MessagePackReader reader)
    {
        ReadIdentity(ref reader, TermExtensions.Ref, out var node, out var id, out var creation);
        return new Ref(node, id, creation);
    }

    /// <summary>Reads a MessagePack array of terms.</summary>
    public object?[] ReadArray(ref MessagePackReader reader)
    {
        if (reader.NextMessagePackType != MessagePackType.Array)
        {
            throw new TermException($"Expected an array of terms, found {reader.NextMessagePackType}.");
        }

        return (object?[])Read(ref reader, 0)!;
    }

    private object? Read(ref MessagePackReader reader, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new TermException($"Terms nest deeper than {MaxDepth} levels.");
        }

        try
        {
            switch (reader.NextMessagePackType)
            {
                case MessagePackType.Nil:
                    reader.ReadNil();
                    return null;
                case MessagePackType.Boolean:
                    return reader.ReadBoolean();
                case MessagePackType.Integer:
                    return ReadInteger(ref reader);
                case MessagePackType.Float:
                    return reader.ReadDouble();
                case MessagePackType.String:
                    return reader.ReadString();
                case MessagePackType.Binary:
                    return reader.ReadBytes()!.Value.ToArray();
                case MessagePackType.Array:
                    return ReadList(ref reader, depth);
                case MessagePackType.Map:
                    return ReadMap(ref reader, depth);
                case MessagePackType.Extension:
                    return ReadExtension(ref reader);
                default:
                    throw new TermException($"Unexpected MessagePack type {reader.NextMessagePackType}.");
            }
        }
        catch (MessagePackSerializationException ex)
        {
            throw new TermException("Malformed term: " + ex.Message, ex);
        }
        catch (EndOfStreamException ex)
        {
            throw new TermException("Truncated term.", ex);
        }
    }

    private static object ReadInteger(ref MessagePackReader reader)
    {
        // MessagePack writes every positive integer past uint32 as uint64: only one past long.MaxValue
        // stays a ulong. Everything else is a long, and a small one has a box already.
        if (reader.NextCode == MessagePackCode.UInt64)
        {
            var unsigned = reader.ReadUInt64();
            return unsigned > long.MaxValue ? unsigned : (long)unsigned;
        }

        return SmallIntegers.Box(reader.ReadInt64());
    }

    private object?[] ReadList(ref MessagePackReader reader, int depth)
    {
        var count = reader.ReadArrayHeader();
        var items = count == 0 ? [] : new object?[count];
        for (var i = 0; i < count; i++)
        {
            items[i] = Read(ref reader, depth + 1);
        }

        return items;
    }

    private Dictionary<object, object?> ReadMap(ref MessagePackReader reader, int depth)
    {
        var count = reader.ReadMapHeader();
        var map = new Dictionary<object, object?>(count);
        for (var i = 0; i < count; i++)
        {
            var key = Read(ref reader, depth + 1) ?? throw new TermException("A map key cannot be nil.");
            map[key] = Read(ref reader, depth + 1);
        }

        return map;
    }

    private object ReadExtension(ref MessagePackReader reader)
    {
        var header = reader.ReadExtensionFormatHeader();
        switch (header.TypeCode)
        {
            case TermExtensions.Atom:
                return new Atom(System.Text.EncodingExtensions.GetString(System.Text.Encoding.UTF8, reader.ReadRaw(header.Length)));
            case TermExtensions.Pid:
                ReadIdentityBody(ref reader, header, out var pidNode, out var pidId, out var pidCreation);
                return new Pid(pidNode, pidId, pidCreation);
            case TermExtensions.Ref:
                ReadIdentityBody(ref reader, header, out var refNode, out var refId, out var refCreation);
                return new Ref(refNode, refId, refCreation);
            case TermExtensions.UserType:
                var inner = new MessagePackReader(reader.ReadRaw(header.Length));
                return ReadUserType(ref inner);
            default:
                throw new TermException($"Unknown extension type {header.TypeCode}.");
        }
    }

    /// <summary>
    /// Reads a pid or reference (extension <paramref name="code"/>), which must be what comes next:
    /// straight through, as the fields of a frame are (nothing is peeked at twice). Failures are
    /// reported as <see cref="Read(ref MessagePackReader, int)"/> reports them.
    /// </summary>
    private void ReadIdentity(ref MessagePackReader reader, sbyte code, out NodeName node, out ulong id, out uint creation)
    {
        try
        {
            var header = reader.NextMessagePackType == MessagePackType.Extension
                ? reader.ReadExtensionFormatHeader()
                : throw new TermException($"Expected {Identity(code)}, found {reader.NextMessagePackType}.");
            if (header.TypeCode != code)
            {
                throw new TermException($"Expected {Identity(code)}, found extension type {header.TypeCode}.");
            }

            ReadIdentityBody(ref reader, header, out node, out id, out creation);
        }
        catch (MessagePackSerializationException ex)
        {
            throw new TermException("Malformed term: " + ex.Message, ex);
        }
        catch (EndOfStreamException ex)
        {
            throw new TermException("Truncated term.", ex);
        }
    }

    private static string Identity(sbyte code) => code == TermExtensions.Pid ? "a pid" : "a reference";

    /// <summary>
    /// Reads the body of a pid or reference in place, right after its extension header (no reader
    /// of its own over a copy of it), and checks that it is exactly as long as the header said.
    /// </summary>
    private void ReadIdentityBody(ref MessagePackReader reader, ExtensionHeader header, out NodeName node, out ulong id, out uint creation)
    {
        var start = reader.Consumed;
        ReadIdentityFields(ref reader, out node, out id, out creation);
        if (reader.Consumed - start != header.Length)
        {
            throw new TermException($"A pid or reference's body is {reader.Consumed - start} bytes, not the {header.Length} its header gives.");
        }
    }

    private void ReadIdentityFields(ref MessagePackReader reader, out NodeName node, out ulong id, out uint creation)
    {
        if (reader.ReadArrayHeader() != 3)
        {
            throw new TermException("A pid or reference must have three fields.");
        }

        if (reader.TryReadNil())
        {
            throw new TermException("A pid or reference needs a node.");
        }

        // Node names repeat: each is decoded once (a name split across buffers is decoded each time).
        node = reader.TryReadStringSpan(out var utf8) ? _nodeNames.Get(utf8) : NodeNameTable.Parse(reader.ReadString()!);
        id = reader.ReadUInt64();
        creation = reader.ReadUInt32();
    }

    private object ReadUserType(ref MessagePackReader reader)
    {
        if (reader.ReadArrayHeader() != 2)
        {
            throw new TermException("A user type must be [name, body].");
        }

        var wireName = reader.ReadString() ?? string.Empty;
        if (!TryGetType(wireName, out var type))
        {
            throw new TermException($"The user type '{wireName}' is not registered on this node.");
        }

        var body = reader.Sequence.Slice(reader.Position);
        return MessagePackSerializer.Deserialize(type, body, s_userTypeOptions)
            ?? throw new TermException($"The user type '{wireName}' decoded to nothing.");
    }

    private bool TryGetType(string wireName, [NotNullWhen(true)] out Type? type) =>
        _typesByName.TryGetValue(wireName, out type);
}

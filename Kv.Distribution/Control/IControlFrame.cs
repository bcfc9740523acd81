using Kv.Distribution.Connections;
using Kv.Distribution.Terms;
using Kv.Distribution.Wire;
using MessagePack;

namespace Kv.Distribution.Control;

/// <summary>
/// One control message: its tag, how many elements its body array has (the tag included), how it
/// is written (<see cref="IFrameContent.Write"/>) and how it is read. Both directions live in the
/// message's own type, so the field count and order are written down once.
/// </summary>
/// <typeparam name="TSelf">The message type.</typeparam>
internal interface IControlFrame<TSelf> : IFrameContent
    where TSelf : struct, IControlFrame<TSelf>
{
    /// <summary>The message's tag, the first element of its body.</summary>
    static abstract ControlTag Tag { get; }

    /// <summary>How many elements the body array has, the tag included.</summary>
    static abstract int FieldCount { get; }

    /// <summary>Reads the fields after the tag.</summary>
    /// <exception cref="ProtocolViolationException">A field is not of its type.</exception>
    /// <exception cref="TermException">A term in it is malformed.</exception>
    static abstract TSelf Read(ref MessagePackReader reader, TermCodec terms);
}

using Kv.Distribution.Terms;
using MessagePack;

namespace Kv.Distribution.Wire;

/// <summary>A control message that knows how to write its body; implemented by structs so sending allocates nothing.</summary>
internal interface IFrameContent
{
    /// <summary>Writes the MessagePack body <c>[tag, fields...]</c>.</summary>
    void Write(ref MessagePackWriter writer, TermCodec terms);
}

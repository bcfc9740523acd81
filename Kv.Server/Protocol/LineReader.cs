using System.Buffers;

namespace Kv.Server.Protocol;

/// <summary>What <see cref="LineReader.TryReadLine"/> found at the start of the buffer.</summary>
internal enum LineStatus
{
    /// <summary>A whole line was read and removed from the buffer.</summary>
    Line,

    /// <summary>No line terminator yet, and the bytes so far are within the limit.</summary>
    NeedMoreData,

    /// <summary>The line is longer than the limit; the connection should be closed.</summary>
    TooLong,
}

/// <summary>
/// Finds request lines in received bytes: pure, bounded, no IO and no allocation.
/// </summary>
/// <remarks>
/// A line ends in <c>\n</c>; a <c>\r</c> before it is left in the line, where the parser treats it
/// as white space. The limit counts the line's bytes without its <c>\n</c>.
/// </remarks>
internal static class LineReader
{
    /// <summary>Takes the first line off <paramref name="buffer"/> when there is a whole one.</summary>
    public static LineStatus TryReadLine(ref ReadOnlySequence<byte> buffer, int maxLineLength, out ReadOnlySequence<byte> line)
    {
        var newline = buffer.PositionOf((byte)'\n');
        if (newline is null)
        {
            line = default;
            return buffer.Length > maxLineLength ? LineStatus.TooLong : LineStatus.NeedMoreData;
        }

        line = buffer.Slice(0, newline.Value);
        if (line.Length > maxLineLength)
        {
            return LineStatus.TooLong;
        }

        buffer = buffer.Slice(buffer.GetPosition(1, newline.Value));
        return LineStatus.Line;
    }
}

using System.Buffers;
using System.Text.Unicode;
using Kv.Core.Buckets;

namespace Kv.Server.Protocol;

/// <summary>
/// Turns a request line into a <see cref="Command"/>: pure, no IO, no allocation.
/// </summary>
/// <remarks>
/// Words are separated by any run of ASCII white space (space, tab, CR, VT, FF); leading and
/// trailing white space is ignored. Verbs are case-sensitive. A line is rejected (the caller
/// answers <c>UNKNOWN COMMAND</c>) when it is empty, its verb is unknown, it has too few or too
/// many words for its verb, or it is not valid UTF-8.
/// </remarks>
internal static class CommandParser
{
    private const int MaxWords = 4;

    /// <summary>How far a word is scanned byte by byte before the rest is searched vectorized.</summary>
    private const int ScalarScan = 16;

    /// <summary>What separates words: space, tab, carriage return, vertical tab, form feed.</summary>
    private static readonly SearchValues<byte> s_whiteSpace = SearchValues.Create(" \t\r\v\f"u8);

    /// <summary>Parses <paramref name="line"/> (without its <c>\n</c>).</summary>
    /// <returns><see langword="true"/> with the command, or <see langword="false"/> for an unknown command.</returns>
    public static bool TryParse(ReadOnlySpan<byte> line, out Command command)
    {
        command = default;
        if (!Utf8.IsValid(line))
        {
            return false;
        }

        Span<Range> words = stackalloc Range[MaxWords + 1];
        var count = SplitWords(line, words);
        if (count == 0 || count > MaxWords)
        {
            return false;
        }

        var verb = line[words[0]];
        if (verb.SequenceEqual("GET"u8) && count == 3)
        {
            command = new Command(BucketOperation.Get, line[words[1]], line[words[2]], default);
        }
        else if (verb.SequenceEqual("PUT"u8) && count == 4)
        {
            command = new Command(BucketOperation.Put, line[words[1]], line[words[2]], line[words[3]]);
        }
        else if (verb.SequenceEqual("CREATE"u8) && count == 2)
        {
            command = new Command(BucketOperation.Create, line[words[1]], default, default);
        }
        else if (verb.SequenceEqual("DELETE"u8) && count == 3)
        {
            command = new Command(BucketOperation.Delete, line[words[1]], line[words[2]], default);
        }
        else
        {
            return false;
        }

        return true;
    }

    /// <summary>
    /// Parses an <c>AUTH password</c> line: the verb and exactly one word, the password. Called only
    /// for lines that <see cref="TryParse"/> rejects, or before a client has authenticated, so the
    /// bucket commands never pay for it.
    /// </summary>
    /// <returns><see langword="true"/> with the password's bytes (a slice of <paramref name="line"/>).</returns>
    public static bool TryParseAuth(ReadOnlySpan<byte> line, out ReadOnlySpan<byte> password)
    {
        password = default;
        Span<Range> words = stackalloc Range[3];
        if (SplitWords(line, words) != 2 || !line[words[0]].SequenceEqual("AUTH"u8))
        {
            return false;
        }

        password = line[words[1]];
        return true;
    }

    /// <summary>Fills <paramref name="words"/> with the ranges of the line's words; stops one past its capacity.</summary>
    /// <returns>The number of words found, at most <c>words.Length</c>.</returns>
    private static int SplitWords(ReadOnlySpan<byte> line, Span<Range> words)
    {
        var count = 0;
        var i = 0;
        while (count < words.Length)
        {
            while (i < line.Length && IsWhiteSpace(line[i]))
            {
                i++;
            }

            if (i == line.Length)
            {
                break;
            }

            // Byte by byte for a short word (a verb, a name, a key); a long one, a PUT's value
            // mostly, is crossed by one vectorized search.
            var start = i;
            var scalarEnd = Math.Min(line.Length, start + ScalarScan);
            while (i < scalarEnd && !IsWhiteSpace(line[i]))
            {
                i++;
            }

            if (i == scalarEnd && i < line.Length)
            {
                var rest = line[i..].IndexOfAny(s_whiteSpace);
                i = rest < 0 ? line.Length : i + rest;
            }

            words[count++] = start..i;
        }

        return count;
    }

    private static bool IsWhiteSpace(byte b) => s_whiteSpace.Contains(b);
}

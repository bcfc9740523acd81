using System.Buffers;
using System.Collections.Concurrent;
using System.Text;

namespace Kv.Benchmarks.RawText;

/// <summary>
/// The raw baseline's buckets, and the text commands run on them: <c>CREATE</c>, <c>PUT</c>,
/// <c>GET</c>, <c>DELETE</c>, with kv's replies. Names and keys are looked up as characters on the
/// stack, as kv's own span path does, so that a command allocates only the value it stores.
/// </summary>
/// <remarks>Thread-safe. Not kv: the measuring stick for what kv's servers add (BENCHMARKS.md).</remarks>
internal sealed class RawStore
{
    private const int MaxWord = 256;

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte[]>> _buckets = new(StringComparer.Ordinal);

    /// <summary>Runs every complete line of <paramref name="input"/> and appends its reply to <paramref name="output"/>.</summary>
    /// <returns>The bytes of <paramref name="input"/> consumed: its complete lines.</returns>
    public int RunLines(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        var consumed = 0;
        while (input[consumed..].IndexOf((byte)'\n') is var end and >= 0)
        {
            RunLine(input.Slice(consumed, end).TrimEnd((byte)'\r'), output);
            consumed += end + 1;
        }

        return consumed;
    }

    private void RunLine(ReadOnlySpan<byte> line, IBufferWriter<byte> output)
    {
        var verb = NextWord(ref line);
        var bucketName = NextWord(ref line);
        if (bucketName.IsEmpty || bucketName.Length > MaxWord)
        {
            Write(output, "ERROR bad bucket name\r\n"u8);
            return;
        }

        Span<char> bucketChars = stackalloc char[bucketName.Length];
        Encoding.ASCII.GetChars(bucketName, bucketChars);
        if (verb.SequenceEqual("CREATE"u8))
        {
            _buckets.GetAlternateLookup<ReadOnlySpan<char>>().TryAdd(bucketChars, new ConcurrentDictionary<string, byte[]>(StringComparer.Ordinal));
            Write(output, "OK\r\n"u8);
            return;
        }

        var key = NextWord(ref line);
        if (key.IsEmpty || key.Length > MaxWord)
        {
            Write(output, "ERROR bad key\r\n"u8);
            return;
        }

        if (!_buckets.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(bucketChars, out var bucket))
        {
            Write(output, "NOT_FOUND\r\n"u8);
            return;
        }

        Span<char> keyChars = stackalloc char[key.Length];
        Encoding.ASCII.GetChars(key, keyChars);
        var entries = bucket.GetAlternateLookup<ReadOnlySpan<char>>();
        if (verb.SequenceEqual("PUT"u8))
        {
            entries[keyChars] = line.ToArray();
            Write(output, "OK\r\n"u8);
        }
        else if (verb.SequenceEqual("GET"u8))
        {
            if (entries.TryGetValue(keyChars, out var value))
            {
                Write(output, value);
            }

            Write(output, "\r\nOK\r\n"u8);
        }
        else if (verb.SequenceEqual("DELETE"u8))
        {
            entries.TryRemove(keyChars, out _, out _);
            Write(output, "OK\r\n"u8);
        }
        else
        {
            Write(output, "UNKNOWN COMMAND\r\n"u8);
        }
    }

    private static ReadOnlySpan<byte> NextWord(ref ReadOnlySpan<byte> line)
    {
        var space = line.IndexOf((byte)' ');
        var word = space < 0 ? line : line[..space];
        line = space < 0 ? default : line[(space + 1)..];
        return word;
    }

    private static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(output.GetSpan(bytes.Length));
        output.Advance(bytes.Length);
    }
}

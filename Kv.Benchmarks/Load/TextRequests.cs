using System.Net;
using System.Text;

namespace Kv.Benchmarks.Load;

/// <summary>Requests of the text protocol written into preallocated buffers, and the checks of their fixed replies.</summary>
internal static class TextRequests
{
    private const int LineEndLength = 2;

    /// <summary>The longest PUT line for <paramref name="bucket"/>, keys and values of <paramref name="data"/>.</summary>
    public static int MaxPutLength(ReadOnlySpan<byte> bucket, KeyValueBytes data) =>
        "PUT "u8.Length + bucket.Length + 1 + data.MaxKeyLength + 1 + data.ValueSize + LineEndLength;

    /// <summary>Writes <c>PUT bucket key value\r\n</c>; returns its length.</summary>
    public static int WritePut(Span<byte> destination, ReadOnlySpan<byte> bucket, KeyValueBytes data, int key, long version)
    {
        var length = Write(destination, "PUT "u8, bucket, data.Key(key));
        destination[length++] = (byte)' ';
        data.WriteValue(key, version, destination[length..]);
        length += data.ValueSize;
        return length + WriteLineEnd(destination[length..]);
    }

    /// <summary>Writes <c>GET bucket key\r\n</c>; returns its length.</summary>
    public static int WriteGet(Span<byte> destination, ReadOnlySpan<byte> bucket, KeyValueBytes data, int key)
    {
        var length = Write(destination, "GET "u8, bucket, data.Key(key));
        return length + WriteLineEnd(destination[length..]);
    }

    /// <summary>Connects to <paramref name="target"/>, sends <c>CREATE bucket</c> and checks the <c>OK</c>.</summary>
    public static async Task<LineSocket> ConnectAndCreateAsync(IPEndPoint target, KeyValueBytes data, string bucket, CancellationToken cancellationToken)
    {
        var socket = await LineSocket.ConnectAsync(target, ReceiveBufferSize(data), cancellationToken);
        try
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes($"CREATE {bucket}\r\n"), cancellationToken);
            await socket.ReadLineAsync(cancellationToken);
            ExpectOk(socket.Line, "CREATE", bucket);
            return socket;
        }
        catch
        {
            await socket.DisposeAsync();
            throw;
        }
    }

    /// <summary>Throws unless <paramref name="line"/> is exactly <c>OK\r\n</c>.</summary>
    /// <exception cref="InvalidDataException">It is not.</exception>
    public static void ExpectOk(ReadOnlySpan<byte> line, string verb, string bucket)
    {
        if (!line.SequenceEqual("OK\r\n"u8))
        {
            throw Unexpected(line, $"{verb} in {bucket}", "OK");
        }
    }

    /// <summary>The failure for a reply that is not the one expected (made only on failure).</summary>
    public static InvalidDataException Unexpected(ReadOnlySpan<byte> line, string request, string expected)
    {
        const int Shown = 60;
        var text = Encoding.UTF8.GetString(line[..Math.Min(line.Length, Shown)]).ReplaceLineEndings("⏎");
        return new InvalidDataException($"{request}: expected {expected}, got \"{text}\"{(line.Length > Shown ? "..." : "")}");
    }

    /// <summary>A receive buffer that holds a GET reply line with room to spare.</summary>
    private static int ReceiveBufferSize(KeyValueBytes data) => Math.Max(16 * 1024, 2 * (data.ValueSize + 64));

    private static int Write(Span<byte> destination, ReadOnlySpan<byte> verb, ReadOnlySpan<byte> bucket, ReadOnlySpan<byte> key)
    {
        verb.CopyTo(destination);
        var length = verb.Length;
        bucket.CopyTo(destination[length..]);
        length += bucket.Length;
        destination[length++] = (byte)' ';
        key.CopyTo(destination[length..]);
        return length + key.Length;
    }

    private static int WriteLineEnd(Span<byte> destination)
    {
        "\r\n"u8.CopyTo(destination);
        return LineEndLength;
    }
}

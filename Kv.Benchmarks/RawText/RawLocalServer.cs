using System.Buffers;
using System.Net.Sockets;

namespace Kv.Benchmarks.RawText;

/// <summary>
/// The raw baseline's text server on local buckets: each connection reads what has come, runs its
/// complete lines and writes their replies in one send, as kv's text server does with a pipeline.
/// </summary>
internal static class RawLocalServer
{
    /// <summary>Serves <paramref name="client"/> until it closes.</summary>
    public static async Task ServeAsync(Socket client, RawStore store)
    {
        using var _ = client;
        var input = new RawInput();
        var output = new ArrayBufferWriter<byte>(16 * 1024);
        while (await input.ReceiveAsync(client))
        {
            input.Consume(store.RunLines(input.Filled, output));
            if (output.WrittenCount > 0)
            {
                await client.SendAsync(output.WrittenMemory, SocketFlags.None);
                output.ResetWrittenCount();
            }
        }
    }
}

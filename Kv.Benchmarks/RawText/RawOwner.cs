using System.Net.Sockets;

namespace Kv.Benchmarks.RawText;

/// <summary>
/// The raw baseline's owner: runs the client batches of each call frame from a front, in order,
/// and answers each frame with one frame of their replies; the replies of every frame that came in
/// one read go out in one send.
/// </summary>
internal static class RawOwner
{
    /// <summary>Serves the link <paramref name="link"/> until it closes.</summary>
    public static async Task ServeAsync(Socket link, RawStore store)
    {
        using var _ = link;
        using var output = new RawOutput(64 * 1024);
        var input = new RawInput();
        while (await input.ReceiveAsync(link))
        {
            var consumed = Run(input.Filled, store, output, out var needed);
            input.Consume(consumed);
            input.Grow(needed);
            if (output.Count > 0)
            {
                await link.SendAsync(output.Written, SocketFlags.None);
                output.Reset();
            }
        }
    }

    private static int Run(ReadOnlySpan<byte> received, RawStore store, RawOutput output, out int needed)
    {
        var consumed = 0;
        while (RawFrames.Complete(received[consumed..], out needed) is var length and > 0)
        {
            var payload = received.Slice(consumed + 4, length - 4);
            var frame = output.BeginLength();
            while (!payload.IsEmpty)
            {
                var batch = RawFrames.NextRecord(ref payload);
                var replies = output.BeginLength();
                store.RunLines(batch, output);
                output.EndLength(replies);
            }

            output.EndLength(frame);
            consumed += length;
        }

        return consumed;
    }
}

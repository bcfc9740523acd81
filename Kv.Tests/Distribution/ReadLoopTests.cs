using System.Net.Sockets;
using Kv.Distribution.Control;
using Kv.Distribution.Wire;
using Kv.Tests.Support;

namespace Kv.Tests.Distribution;

/// <summary>
/// A link's read loop cuts the frames that lie inside one buffer segment from its memory and takes
/// those that span segments off the sequence: either way every frame arrives whole and in order.
/// </summary>
public sealed class ReadLoopTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task FramesAcrossBufferSegments_SmallAndLargerThanASegment_ArriveWholeAndInOrder()
    {
        await using var nodes = new TestNodes();
        var node = await nodes.StartAsync("target");
        var (socket, _) = await RawPeer.HandshakenAsync(nodes, node, Ct);
        using var _ = socket;

        // Small frames around two larger than the read loop's 64 KiB segments: some small ones straddle a boundary.
        var messages = Enumerable.Range(0, 6000)
            .Select(i => i is 1000 or 4000 ? (object)Enumerable.Range(0, 200_000).Select(b => (byte)(b + i)).ToArray() : (long)i)
            .ToArray();
        var received = new TaskCompletionSource<List<object?>>();
        var pid = node.Spawn(async context =>
        {
            var got = new List<object?>();
            while (got.Count < messages.Length)
            {
                got.Add(await context.ReceiveAsync(s_wait));
            }

            received.SetResult(got);
        });

        // Written in pieces whose size has nothing to do with the frames' boundaries.
        var bytes = RawPeer.Frames([.. messages.Select(m => (IFrameContent)new SendFrame(pid, m))]);
        for (var offset = 0; offset < bytes.Length; offset += 7777)
        {
            await socket.SendAsync(bytes.AsMemory(offset, Math.Min(7777, bytes.Length - offset)), SocketFlags.None, Ct);
        }

        Assert.Equal(messages, await received.Task.WaitAsync(s_wait, Ct));
    }
}

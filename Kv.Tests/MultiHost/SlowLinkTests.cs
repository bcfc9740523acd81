using System.Net.Sockets;
using System.Text;
using Kv.Tests.Support;

namespace Kv.Tests.MultiHost;

/// <summary>
/// foo's link to bar is slow (tc tbf, 1 Mbit/s out of foo's host) and clients of foo write to bar's
/// bucket as fast as foo takes their bytes. foo must push back on them instead of queueing what the
/// link cannot carry: its memory stays bounded, and the link, still carrying frames, is never
/// declared down.
/// </summary>
[Trait("distributed", "true")]
[Trait("multihost", "true")]
[Collection(MultiHostSequence.Name)]
public sealed class SlowLinkTests
{
    private const string Rate = "1mbit";
    private const int Senders = 16;
    private const int LinesPerWrite = 32;

    /// <summary>How long the senders write: four tick times, so a link starved of ticks would be declared down meanwhile.</summary>
    private static readonly TimeSpan s_duration = MultiHostCluster.TickTime * 4;

    /// <summary>
    /// How much foo may grow over its resident size before the load. With back-pressure foo holds, per
    /// client, a read buffer (16 KiB) and one routed request at a time, and per link what the socket
    /// does not take yet: a few MiB at most, plus what the garbage collector keeps between
    /// collections. 64 MiB leaves room for that and is far below what foo would hold if it took
    /// every byte offered: 16 clients on a local veth write hundreds of MiB in 8 s, and the link
    /// carries 1 MB of them.
    /// </summary>
    private const long GrowthBound = 64L * 1024 * 1024;

    [MultiHostFact]
    public async Task SlowLink_UnderFastSenders_FooStaysBoundedAndTheLinkStaysUp()
    {
        await using var cluster = await MultiHostCluster.CreateAsync("foo", "bar");
        var (foo, bar) = await cluster.StartFooAndBarAsync();
        await using (var setup = await cluster.ConnectAsync("foo"))
        {
            Assert.Equal("OK", await setup.CommandAsync("CREATE shopping"));
        }

        await cluster.Network.SlowAsync("foo", Rate);
        var baseline = foo.ResidentBytes();

        using var stop = new CancellationTokenSource(s_duration);
        var senders = Enumerable.Range(0, Senders).Select(i => SendAsync(cluster, i, stop.Token)).ToArray();
        var peak = baseline;
        using (var every = new PeriodicTimer(TimeSpan.FromMilliseconds(100)))
        {
            while (!stop.IsCancellationRequested && await every.WaitForNextTickAsync(TestContext.Current.CancellationToken))
            {
                peak = Math.Max(peak, foo.ResidentBytes());
            }
        }

        var results = await Task.WhenAll(senders);
        peak = Math.Max(peak, foo.ResidentBytes());

        var sentMiB = results.Sum(r => r.BytesSent) / (1024.0 * 1024);
        Measurements.Report($"slow link: foo's RSS {baseline / (1024 * 1024)} MiB before, peak {peak / (1024 * 1024)} MiB; clients wrote {sentMiB:0.0} MiB in {s_duration.TotalSeconds:0} s; replies OK {results.Sum(r => r.Ok)}, ERROR {results.Sum(r => r.Errors)}");

        Assert.DoesNotMatch(cluster.LinkDownLine("bar"), foo.Output);
        Assert.DoesNotMatch(cluster.LinkDownLine("foo"), bar.Output);
        Assert.True(
            peak - baseline <= GrowthBound,
            $"foo grew by {(peak - baseline) / (1024 * 1024)} MiB under the load (bound {GrowthBound / (1024 * 1024)} MiB): it takes more than the slow link carries without pushing back on its clients.");
        Assert.True(results.Sum(r => r.Ok) > 0, "No PUT went through the slow link at all.");
    }

    /// <summary>One client writing PUTs of 1 KiB values for bar's bucket, batch after batch, until <paramref name="stop"/>; another task reads its replies.</summary>
    private static async Task<SenderResult> SendAsync(MultiHostCluster cluster, int sender, CancellationToken stop)
    {
        var value = new string('v', 1024);
        var batch = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, LinesPerWrite).Select(i => $"PUT shopping s{sender}-{i} {value}\r\n")));
        var result = new SenderResult();
        var client = await cluster.ConnectAsync("foo");
        try
        {
            // A stopped sender resets its connection: that also ends a write blocked on a full socket.
            await using var abort = stop.Register(client.Abort);
            var reading = ReadRepliesAsync(client, result);
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    await client.SendAsync(batch);
                    result.BytesSent += batch.Length;
                }
            }
            catch (Exception ex) when (stop.IsCancellationRequested && ex is SocketException or ObjectDisposedException or OperationCanceledException)
            {
            }

            await reading;
            return result;
        }
        finally
        {
            await client.DisposeAsync();
        }
    }

    private static async Task ReadRepliesAsync(TextClient client, SenderResult result)
    {
        try
        {
            while (true)
            {
                if (await client.ReadLineAsync() == "OK")
                {
                    result.Ok++;
                }
                else
                {
                    result.Errors++;
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException or EndOfStreamException)
        {
            // The sender reset the connection at the end of the run.
        }
    }

    private sealed class SenderResult
    {
        public long BytesSent { get; set; }

        public long Ok { get; set; }

        public long Errors { get; set; }
    }
}

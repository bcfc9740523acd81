using System.Net.Sockets;
using Kv.Distribution.Support;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Kv.Tests.Distribution;

/// <summary>
/// What an accept loop does when accepting fails (wait longer each time, log seldom, say how often)
/// and with a connection that would hold one of the process's last file descriptors (close it).
/// </summary>
public sealed class AcceptBackoffTests
{
    private static readonly SocketException s_tooManyOpenFiles = new((int)SocketError.TooManyOpenSockets);

    private readonly FakeLogCollector _log = new();
    private readonly ManualClock _clock = new();

    [Fact]
    public void Delays_DoubleFrom10msTo1s_AndStartOverOnceAConnectionIsAccepted()
    {
        var backoff = NewBackoff();

        var delays = Enumerable.Range(0, 10).Select(_ => backoff.Failed(s_tooManyOpenFiles).TotalMilliseconds).ToArray();

        Assert.Equal([10, 20, 40, 80, 160, 320, 640, 1000, 1000, 1000], delays);
        backoff.TryAdmit(5);
        Assert.Equal(TimeSpan.FromMilliseconds(10), backoff.Failed(s_tooManyOpenFiles));
        Assert.Equal(TimeSpan.FromMilliseconds(20), backoff.NextDelay);
    }

    [Theory]
    [InlineData(SocketError.TooManyOpenSockets)]
    [InlineData(SocketError.NoBufferSpaceAvailable)]
    [InlineData(SocketError.SocketError)]
    public void ResourceShortages_AndUnforeseenFailures_Wait(SocketError error)
    {
        Assert.Equal(AcceptBackoff.FirstDelay, NewBackoff().Failed(new SocketException((int)error)));
    }

    [Theory]
    [InlineData(SocketError.ConnectionReset)]
    [InlineData(SocketError.ConnectionAborted)]
    public void AConnectionItsPeerGaveUp_DoesNotWait_NorCountAsAFailure(SocketError error)
    {
        var backoff = NewBackoff();

        Assert.Equal(TimeSpan.Zero, backoff.Failed(new SocketException((int)error)));

        Assert.Equal(AcceptBackoff.FirstDelay, backoff.NextDelay);
        Assert.DoesNotContain(_log.GetSnapshot(), entry => entry.Level >= LogLevel.Information);
    }

    [Fact]
    public void Failures_AreLoggedOncePerInterval_InOneLineWithoutStackTrace_CountingThoseInBetween()
    {
        var backoff = NewBackoff();

        backoff.Failed(s_tooManyOpenFiles);
        for (var i = 0; i < 99; i++)
        {
            _clock.Advance(TimeSpan.FromMilliseconds(40));
            backoff.Failed(s_tooManyOpenFiles);
        }

        // 100 failures over 3.96 s: the first one only, so far.
        var first = Assert.Single(Warnings());
        Assert.Contains("the test listener", first.Message, StringComparison.Ordinal);
        Assert.Contains("Failures since the last report: 1;", first.Message, StringComparison.Ordinal);
        Assert.Null(first.Exception);
        Assert.DoesNotContain('\n', first.Message);

        _clock.Advance(TimeSpan.FromSeconds(1.04));
        backoff.Failed(s_tooManyOpenFiles);

        Assert.Equal(2, Warnings().Count);
        Assert.Contains("Failures since the last report: 100;", Warnings()[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AConnectionInOneOfTheLastDescriptors_IsClosed_AndThatIsReportedOncePerInterval()
    {
        long? limit = 1000;
        var backoff = new AcceptBackoff("the test listener", new FakeLogger(_log, "test"), TimeSpan.FromSeconds(5), _clock, () => limit);

        Assert.True(backoff.TryAdmit(1000 - AcceptBackoff.Headroom - 1));
        Assert.False(backoff.TryAdmit(1000 - AcceptBackoff.Headroom));
        Assert.False(backoff.TryAdmit(999));
        Assert.True(backoff.TryAdmit(12));

        var report = Assert.Single(Warnings());
        Assert.Contains("may open 1000, and the last 64 are kept", report.Message, StringComparison.Ordinal);
        Assert.Contains("Closed since the last report: 1", report.Message, StringComparison.Ordinal);
        _clock.Advance(TimeSpan.FromSeconds(5));
        Assert.False(backoff.TryAdmit(990));
        Assert.Contains("Closed since the last report: 2", Warnings()[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheLimit_IsReadAgainAtMostOnceASecond()
    {
        long? limit = null;
        var reads = 0;
        var backoff = new AcceptBackoff("the test listener", new FakeLogger(_log, "test"), TimeSpan.FromSeconds(5), _clock, () => { reads++; return limit; });

        limit = 256;
        Assert.True(backoff.TryAdmit(250));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(backoff.TryAdmit(250));

        Assert.Equal(2, reads);
    }

    [Fact]
    public void AnAcceptedConnection_WaitsNoLongerAfterFailures()
    {
        var backoff = NewBackoff();
        backoff.Failed(s_tooManyOpenFiles);
        backoff.Failed(s_tooManyOpenFiles);

        Assert.True(backoff.TryAdmit(5));

        Assert.Equal(AcceptBackoff.FirstDelay, backoff.NextDelay);
    }

    [Fact]
    public async Task Waiting_EndsAtOnce_WhenTheLoopIsStopping()
    {
        var backoff = new AcceptBackoff("the test listener", new FakeLogger(_log, "test"));
        using var stopping = new CancellationTokenSource();
        await stopping.CancelAsync();

        Assert.False(await backoff.WaitAfterAsync(s_tooManyOpenFiles, stopping.Token));
    }

    [Fact]
    public async Task Waiting_WaitsTheDelay_ThenGoesOn()
    {
        var backoff = new AcceptBackoff("the test listener", new FakeLogger(_log, "test"));

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        Assert.True(await backoff.WaitAfterAsync(s_tooManyOpenFiles, TestContext.Current.CancellationToken));

        // The runtime's timers run on a coarse clock (a few ms on Linux) and a 10 ms delay alone once
        // ended after 3.6 ms by the precise Stopwatch: the backoff waits the rest.
        var waited = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        Assert.True(waited >= AcceptBackoff.FirstDelay, $"waited {waited.TotalMilliseconds:0.0} ms of a {AcceptBackoff.FirstDelay.TotalMilliseconds:0} ms delay");
    }

    [Fact]
    public void LogThrottle_LetsTheFirstThrough_ThenOnePerInterval_WithTheCountHeldBack()
    {
        var throttle = new LogThrottle(TimeSpan.FromSeconds(1), _clock);

        Assert.True(throttle.TryPass(out var held));
        Assert.Equal(0, held);
        Assert.False(throttle.TryPass(out _));
        _clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(throttle.TryPass(out _));
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(throttle.TryPass(out held));
        Assert.Equal(2, held);
        Assert.False(throttle.TryPass(out _));
    }

    private AcceptBackoff NewBackoff() =>
        new("the test listener", new FakeLogger(_log, "test"), TimeSpan.FromSeconds(5), _clock, static () => null);

    private List<FakeLogRecord> Warnings() => [.. _log.GetSnapshot().Where(entry => entry.Level == LogLevel.Warning)];

    /// <summary>A clock that moves only when told to.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private long _now = 1_000_000;

        public override long TimestampFrequency => 1_000_000;

        public override long GetTimestamp() => Interlocked.Read(ref _now);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _now, by.Ticks / 10);
    }
}

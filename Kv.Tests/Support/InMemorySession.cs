using System.Buffers;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using Kv.Core.Buckets;
using Kv.Core.Routing;
using Kv.Server.Protocol;
using Kv.Server.Tcp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kv.Tests.Support;

/// <summary>
/// A <see cref="ClientSession"/> of the text server served over in-memory pipes, and the client's
/// end of them: the protocol with no socket. Every read has a deadline.
/// </summary>
internal sealed class InMemorySession : IAsyncDisposable
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(10);

    private readonly ServiceProvider _services;
    private readonly InMemoryDuplexPipe _server;
    private readonly InMemoryDuplexPipe _client;
    private readonly CancellationTokenSource _stopping = new();

    private InMemorySession(Router router, SessionSettings settings, EndPoint? remote)
    {
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        (_server, _client) = InMemoryDuplexPipe.CreatePair();
        var metrics = new ServerMetrics(_services.GetRequiredService<IMeterFactory>());
        var session = new ClientSession(_server, remote, new CommandRunner(router, NullLogger.Instance), settings, metrics, NullLogger.Instance);
        Running = session.RunAsync(_stopping.Token);
    }

    /// <summary>The session's loop; complete once it has ended.</summary>
    public Task Running { get; }

    /// <summary>How many times the session has flushed its replies.</summary>
    public int Flushes => _server.Flushes;

    /// <summary>A session over <paramref name="router"/>, or over a router of a fresh registry of its own.</summary>
    public static InMemorySession Start(Router? router = null, int maxLineLength = 64 * 1024) =>
        Start(new SessionSettings { MaxLineLength = maxLineLength }, router);

    /// <summary>
    /// A session with <paramref name="settings"/> (limits, access) over <paramref name="router"/> or
    /// a fresh registry's, as a client at <paramref name="remote"/> (none: a local client).
    /// </summary>
    public static InMemorySession Start(SessionSettings settings, Router? router = null, EndPoint? remote = null) =>
        new(router ?? new Router(RoutingTable.Local, new BucketRegistry()), settings, remote);

    /// <summary>Starts a session over a fresh registry, which it returns too.</summary>
    public static InMemorySession Start(out BucketRegistry registry, int maxLineLength = 64 * 1024)
    {
        registry = new BucketRegistry();
        return Start(new Router(RoutingTable.Local, registry), maxLineLength);
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 and flushes it: what one socket write would deliver.</summary>
    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    /// <summary>Writes <paramref name="bytes"/> and flushes them.</summary>
    public async Task SendAsync(byte[] bytes)
    {
        await _client.Output.WriteAsync(bytes, TestContext.Current.CancellationToken);
    }

    /// <summary>
    /// Sends <paramref name="text"/> one byte at a time, each once the session has read the one
    /// before: every byte arrives in a read of its own. Replies to earlier input must have been read.
    /// </summary>
    public async Task SendByteByByteAsync(string text)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(s_deadline);

        // Every read so far returned earlier input; none returns again until there is more.
        _server.Reads.ForgetReads();
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            await _client.Output.WriteAsync(new[] { b }, deadline.Token);
            await _server.Reads.WaitForReadAsync(deadline.Token);
        }
    }

    /// <summary>Ends the client's side, as a client closing its socket.</summary>
    public ValueTask CloseAsync() => _client.Output.CompleteAsync();

    /// <summary>Reads exactly as many bytes as <paramref name="expected"/> has in UTF-8 and compares them, byte for byte.</summary>
    public async Task ExpectAsync(string expected) =>
        Assert.Equal(Encoding.UTF8.GetBytes(expected), await ReadAsync(Encoding.UTF8.GetByteCount(expected)));

    /// <summary>Reads exactly <paramref name="count"/> bytes of replies.</summary>
    public async Task<byte[]> ReadAsync(int count)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(s_deadline);
        var result = await _client.Input.ReadAtLeastAsync(count, deadline.Token);
        var available = result.Buffer.Length;
        var bytes = result.Buffer.Slice(0, Math.Min(count, available)).ToArray();
        _client.Input.AdvanceTo(result.Buffer.GetPosition(bytes.Length));
        Assert.True(bytes.Length == count, $"the session ended after {available} of {count} bytes: \"{Encoding.UTF8.GetString(bytes)}\"");
        return bytes;
    }

    /// <summary>Expects the session to end its side with nothing more to read, and its loop to end.</summary>
    public async Task ExpectClosedAsync()
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(s_deadline);
        var result = await _client.Input.ReadAsync(deadline.Token);
        var rest = Encoding.UTF8.GetString(result.Buffer.ToArray());
        _client.Input.AdvanceTo(result.Buffer.End);
        Assert.Equal(string.Empty, rest);
        Assert.True(result.IsCompleted, "the session's side is still open");
        await Running.WaitAsync(s_deadline, TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _client.Output.CompleteAsync();
        await Running.WaitAsync(s_deadline);
        await _client.Input.CompleteAsync();
        _stopping.Dispose();
        await _services.DisposeAsync();
    }
}

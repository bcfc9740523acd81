using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Kv.Distribution.Nodes;
using MessagePack;

namespace Kv.Tests.Support;

/// <summary>What a <see cref="RawAcceptor"/> saw of one connection.</summary>
/// <param name="Initiator">The name the initiator sent.</param>
/// <param name="AckSent">Whether the handshake got as far as the acceptor's SendChallengeAck.</param>
/// <param name="BytesAfterAck">What the initiator wrote after the ack (frames: it took the link as up).</param>
/// <param name="ClosedByInitiator">Whether the initiator closed the connection (within 5 s of the ack).</param>
/// <param name="Error">What the initiator sent that does not follow PROTOCOL.md, if anything.</param>
internal sealed record RawAcceptorOutcome(string Initiator, bool AckSent, long BytesAfterAck, bool ClosedByInitiator, string? Error);

/// <summary>
/// The acceptor's side of the link handshake written by hand from PROTOCOL.md, not with the node's
/// <c>Handshake</c>: a loopback listener, known under <see cref="Name"/> in a <see cref="TestNodes"/>
/// directory, that answers every SendName with <c>ok</c> and a challenge, takes the initiator's
/// reply without checking it, and sends a SendChallengeAck with the digest a test chooses. Then it
/// only listens, and reports for each connection whether the initiator closed it or took the link
/// as up (<see cref="Outcomes"/>).
/// </summary>
internal sealed class RawAcceptor : IAsyncDisposable
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(5);

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<byte[], string, string, byte[]> _ack;
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<RawAcceptorOutcome> _outcomes = Channel.CreateUnbounded<RawAcceptorOutcome>();
    private readonly Task _acceptLoop;

    private RawAcceptor(NodeName name, Func<byte[], string, string, byte[]> ack)
    {
        Name = name;
        _ack = ack;
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>The node name it answers as.</summary>
    public NodeName Name { get; }

    /// <summary>One outcome per connection, once the initiator closed it or 5 s after the ack.</summary>
    public ChannelReader<RawAcceptorOutcome> Outcomes => _outcomes.Reader;

    /// <summary>
    /// Starts one named <paramref name="name"/> in <paramref name="nodes"/>' directory, whose ack
    /// digest is <paramref name="ack"/>(initiator's challenge, initiator name, acceptor name).
    /// </summary>
    public static RawAcceptor Start(TestNodes nodes, string name, Func<byte[], string, string, byte[]> ack)
    {
        var acceptor = new RawAcceptor(nodes.NameOf(name), ack);
        nodes.Directory.Set(acceptor.Name, (IPEndPoint)acceptor._listener.LocalEndpoint);
        return acceptor;
    }

    /// <summary>
    /// The acceptor's proof of <paramref name="cookie"/> as PROTOCOL.md defines it:
    /// HMAC-SHA256(cookie, "kv-challenge-ack" ‖ initiator's challenge ‖ initiator name ‖ 0x00 ‖ acceptor name).
    /// </summary>
    public static Func<byte[], string, string, byte[]> Proving(string cookie) => (challenge, initiator, acceptor) =>
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(cookie), (byte[])[.. "kv-challenge-ack"u8, .. challenge, .. Encoding.UTF8.GetBytes(initiator), 0, .. Encoding.UTF8.GetBytes(acceptor)]);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _acceptLoop;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // Stopped (a loop that was between two accepts finds the listener "not listening").
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        var connections = new List<Task>();
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                connections.Add(ServeAsync(socket));
            }
        }
        finally
        {
            await Task.WhenAll(connections);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using var _ = socket;
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        deadline.CancelAfter(s_wait);
        var initiator = "?";
        var ackSent = false;
        long after = 0;
        var closed = false;
        string? error = null;
        try
        {
            // SendName: [1, version, flags, creation, "name@host"]
            var name = new MessagePackReader(await ReceiveAsync(stream, deadline.Token));
            Assert.Equal(5, name.ReadArrayHeader());
            Assert.Equal(1, name.ReadByte());
            name.Skip();
            name.Skip();
            name.Skip();
            initiator = name.ReadString()!;

            await SendAsync(stream, (ref MessagePackWriter w) => { w.WriteArrayHeader(2); w.Write(2); w.Write("ok"); }, deadline.Token);
            var challenge = RandomNumberGenerator.GetBytes(32);
            await SendAsync(stream, (ref MessagePackWriter w) =>
            {
                w.WriteArrayHeader(6);
                w.Write(3);
                w.Write((ushort)1);
                w.Write(0u);
                w.Write(11u);
                w.Write(Name.ToString());
                w.Write(challenge);
            }, deadline.Token);

            // SendChallengeReply: [4, initiator's challenge, digest]; the digest is not checked here.
            var reply = new MessagePackReader(await ReceiveAsync(stream, deadline.Token));
            Assert.Equal(3, reply.ReadArrayHeader());
            Assert.Equal(4, reply.ReadByte());
            var initiatorChallenge = reply.ReadBytes()!.Value.ToArray();

            var digest = _ack(initiatorChallenge, initiator, Name.ToString());
            await SendAsync(stream, (ref MessagePackWriter w) => { w.WriteArrayHeader(2); w.Write(5); w.Write(digest); }, deadline.Token);
            ackSent = true;

            var buffer = new byte[4096];
            int read;
            while ((read = await stream.ReadAsync(buffer, deadline.Token)) > 0)
            {
                after += read;
            }

            closed = true;
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException)
        {
            // Still open after the wait, or reset: reported as not closed.
            closed = ex is IOException or SocketException && ackSent;
        }
        catch (Exception ex) when (ex is Xunit.Sdk.IAssertionException or MessagePackSerializationException or InvalidOperationException or NullReferenceException)
        {
            error = ex.Message;
        }

        _outcomes.Writer.TryWrite(new RawAcceptorOutcome(initiator, ackSent, after, closed, error));
    }

    private delegate void Body(ref MessagePackWriter writer);

    private static async Task SendAsync(Stream stream, Body body, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        body(ref writer);
        writer.Flush();
        var message = new byte[2 + buffer.WrittenCount];
        BinaryPrimitives.WriteUInt16BigEndian(message, (ushort)buffer.WrittenCount);
        buffer.WrittenSpan.CopyTo(message.AsSpan(2));
        await stream.WriteAsync(message, cancellationToken);
    }

    private static async Task<ReadOnlyMemory<byte>> ReceiveAsync(Stream stream, CancellationToken cancellationToken)
    {
        var prefix = new byte[2];
        await stream.ReadExactlyAsync(prefix, cancellationToken);
        var body = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
        await stream.ReadExactlyAsync(body, cancellationToken);
        return body;
    }
}

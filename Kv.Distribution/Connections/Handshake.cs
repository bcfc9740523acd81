using System.Buffers;
using MessagePack;
using Kv.Distribution.Nodes;

namespace Kv.Distribution.Connections;

/// <summary>What a handshake learned about the peer.</summary>
/// <param name="Peer">The peer's node name.</param>
/// <param name="Creation">The peer's creation.</param>
/// <param name="Hidden">Whether the peer is hidden (stays out of the full mesh).</param>
internal sealed record HandshakeResult(NodeName Peer, uint Creation, bool Hidden);

/// <summary>This node as the handshake presents it.</summary>
internal sealed record HandshakeIdentity(NodeName Name, uint Creation, bool Hidden, string Cookie);

/// <summary>
/// The link handshake, one method per message, as PROTOCOL.md lays it out. The initiator runs
/// <see cref="InitiateAsync"/>, the acceptor <see cref="AcceptAsync"/>; each is the ordered list of
/// its steps. Any failure throws <see cref="HandshakeException"/> naming the step.
/// </summary>
internal sealed class Handshake(HandshakeChannel channel, HandshakeIdentity self)
{
    /// <summary>The protocol version spoken here.</summary>
    public const ushort Version = 1;

    private const byte NameTag = 1;
    private const byte StatusTag = 2;
    private const byte ChallengeTag = 3;
    private const byte ChallengeReplyTag = 4;
    private const byte ChallengeAckTag = 5;
    private const uint HiddenFlag = 1;

    /// <summary>Status answers of the acceptor.</summary>
    internal static class Status
    {
        public const string Ok = "ok";
        public const string Nok = "nok";
        public const string Alive = "alive";
        public const string Version = "version";
        public const string NotAllowed = "not_allowed";
        public const string BadCookie = "bad_cookie";

        /// <summary>This node requires TLS, and the peer connected without it (sent in plaintext).</summary>
        public const string TlsRequired = "tls_required";

        /// <summary>This node runs without TLS, and the peer opened TLS (sent in plaintext, which the peer's TLS client reports).</summary>
        public const string NoTls = "no_tls";
    }

    /// <summary>Runs the initiator's side against the node <paramref name="expected"/>.</summary>
    public async Task<HandshakeResult> InitiateAsync(NodeName expected, CancellationToken cancellationToken)
    {
        await SendNameAsync(cancellationToken);
        await RecvStatusAsync(cancellationToken);
        var (peer, acceptorChallenge) = await RecvChallengeAsync(expected, cancellationToken);
        var myChallenge = await SendChallengeReplyAsync(peer.Peer, acceptorChallenge, cancellationToken);
        await RecvChallengeAckAsync(peer.Peer, myChallenge, cancellationToken);
        return peer;
    }

    /// <summary>
    /// Runs the acceptor's side. <paramref name="decide"/> sees who is calling and returns the
    /// status to answer (<see cref="Status.Ok"/> to go on).
    /// </summary>
    public async Task<HandshakeResult> AcceptAsync(Func<HandshakeResult, string> decide, CancellationToken cancellationToken)
    {
        var peer = await RecvNameAsync(cancellationToken);
        await SendStatusAsync(decide(peer), cancellationToken);
        var myChallenge = await SendChallengeAsync(cancellationToken);
        var initiatorChallenge = await RecvChallengeReplyAsync(peer.Peer, myChallenge, cancellationToken);
        await SendChallengeAckAsync(peer.Peer, initiatorChallenge, cancellationToken);
        return peer;
    }

    /// <summary>
    /// Reads the initiator's name and answers <paramref name="status"/>, which refuses it: for an
    /// acceptor that cannot go on before the handshake proper (a plaintext peer of a node that
    /// requires TLS). Reading the name first lets the answer arrive before the connection closes.
    /// </summary>
    public async Task RefuseAsync(string status, CancellationToken cancellationToken)
    {
        await channel.ReceiveAsync(HandshakeStep.RecvName, cancellationToken);
        await channel.SendAsync(HandshakeStep.SendStatus, (ref MessagePackWriter writer) => WriteStatus(ref writer, status), cancellationToken);
    }

    private Task SendNameAsync(CancellationToken cancellationToken) =>
        channel.SendAsync(HandshakeStep.SendName, (ref MessagePackWriter writer) =>
        {
            writer.WriteArrayHeader(5);
            writer.Write(NameTag);
            writer.Write(Version);
            writer.Write(self.Hidden ? HiddenFlag : 0u);
            writer.Write(self.Creation);
            writer.Write(self.Name.ToString());
        }, cancellationToken);

    private async Task<HandshakeResult> RecvNameAsync(CancellationToken cancellationToken)
    {
        const HandshakeStep step = HandshakeStep.RecvName;
        byte[] body;
        try
        {
            body = await channel.ReceiveAsync(step, cancellationToken);
        }
        catch (HandshakeException ex) when (ex.Failure == HandshakeFailure.TlsMismatch)
        {
            // A TLS peer: answered in plaintext, which tells its TLS client that this node runs without TLS.
            await channel.SendAsync(HandshakeStep.SendStatus, (ref MessagePackWriter writer) => WriteStatus(ref writer, Status.NoTls), cancellationToken);
            throw;
        }

        return Decode(step, body, (ref MessagePackReader reader) =>
        {
            Expect(step, ref reader, NameTag, 5);
            var version = reader.ReadUInt16();
            var flags = reader.ReadUInt32();
            var creation = reader.ReadUInt32();
            var name = ParseName(step, reader.ReadString());
            if (version != Version)
            {
                throw new HandshakeException(step, HandshakeFailure.Version, $"{name} speaks version {version}, this node {Version}");
            }

            return new HandshakeResult(name, creation, (flags & HiddenFlag) != 0);
        });
    }

    private Task SendStatusAsync(string status, CancellationToken cancellationToken)
    {
        return SendAndCheckAsync();

        async Task SendAndCheckAsync()
        {
            await channel.SendAsync(HandshakeStep.SendStatus, (ref MessagePackWriter writer) => WriteStatus(ref writer, status), cancellationToken);
            if (status != Status.Ok)
            {
                throw new HandshakeException(HandshakeStep.SendStatus, FailureOf(status), $"answered '{status}'");
            }
        }
    }

    private async Task RecvStatusAsync(CancellationToken cancellationToken)
    {
        const HandshakeStep step = HandshakeStep.RecvStatus;
        var body = await channel.ReceiveAsync(step, cancellationToken);
        var status = Decode(step, body, (ref MessagePackReader reader) => ReadStatus(step, ref reader));
        if (status == Status.TlsRequired)
        {
            throw new HandshakeException(step, HandshakeFailure.TlsMismatch, "the peer requires TLS on its links, and this node runs without TLS");
        }

        if (status != Status.Ok)
        {
            throw new HandshakeException(step, FailureOf(status), $"the peer answered '{status}'");
        }
    }

    private async Task<byte[]> SendChallengeAsync(CancellationToken cancellationToken)
    {
        var challenge = CookieDigest.NewChallenge();
        await channel.SendAsync(HandshakeStep.SendChallenge, (ref MessagePackWriter writer) =>
        {
            writer.WriteArrayHeader(6);
            writer.Write(ChallengeTag);
            writer.Write(Version);
            writer.Write(self.Hidden ? HiddenFlag : 0u);
            writer.Write(self.Creation);
            writer.Write(self.Name.ToString());
            writer.Write(challenge);
        }, cancellationToken);
        return challenge;
    }

    private async Task<(HandshakeResult Peer, byte[] Challenge)> RecvChallengeAsync(NodeName expected, CancellationToken cancellationToken)
    {
        const HandshakeStep step = HandshakeStep.RecvChallenge;
        var body = await channel.ReceiveAsync(step, cancellationToken);
        return Decode(step, body, (ref MessagePackReader reader) =>
        {
            Expect(step, ref reader, ChallengeTag, 6);
            reader.ReadUInt16();
            var flags = reader.ReadUInt32();
            var creation = reader.ReadUInt32();
            var name = ParseName(step, reader.ReadString());
            if (name != expected)
            {
                throw new HandshakeException(step, HandshakeFailure.NotAllowed, $"asked for {expected} but {name} answered");
            }

            var challenge = ReadDigest(step, ref reader);
            return (new HandshakeResult(name, creation, (flags & HiddenFlag) != 0), challenge);
        });
    }

    private async Task<byte[]> SendChallengeReplyAsync(NodeName peer, byte[] acceptorChallenge, CancellationToken cancellationToken)
    {
        var challenge = CookieDigest.NewChallenge();
        var digest = CookieDigest.Reply(self.Cookie, acceptorChallenge, self.Name.ToString(), peer.ToString());
        await channel.SendAsync(HandshakeStep.SendChallengeReply, (ref MessagePackWriter writer) =>
        {
            writer.WriteArrayHeader(3);
            writer.Write(ChallengeReplyTag);
            writer.Write(challenge);
            writer.Write(digest);
        }, cancellationToken);
        return challenge;
    }

    private async Task<byte[]> RecvChallengeReplyAsync(NodeName peer, byte[] myChallenge, CancellationToken cancellationToken)
    {
        const HandshakeStep step = HandshakeStep.RecvChallengeReply;
        var body = await channel.ReceiveAsync(step, cancellationToken);
        var (challenge, digest) = Decode(step, body, (ref MessagePackReader reader) =>
        {
            Expect(step, ref reader, ChallengeReplyTag, 3);
            return (ReadDigest(step, ref reader), ReadDigest(step, ref reader));
        });

        var expected = CookieDigest.Reply(self.Cookie, myChallenge, peer.ToString(), self.Name.ToString());
        if (!CookieDigest.Matches(expected, digest))
        {
            // Tell the initiator why, so that both sides log the cause; the cookie stays secret.
            await channel.SendAsync(step, (ref MessagePackWriter writer) => WriteStatus(ref writer, Status.BadCookie), cancellationToken);
            throw new HandshakeException(step, HandshakeFailure.BadCookie, $"{peer} proved a different cookie");
        }

        return challenge;
    }

    private Task SendChallengeAckAsync(NodeName peer, byte[] initiatorChallenge, CancellationToken cancellationToken)
    {
        var digest = CookieDigest.Ack(self.Cookie, initiatorChallenge, peer.ToString(), self.Name.ToString());
        return channel.SendAsync(HandshakeStep.SendChallengeAck, (ref MessagePackWriter writer) =>
        {
            writer.WriteArrayHeader(2);
            writer.Write(ChallengeAckTag);
            writer.Write(digest);
        }, cancellationToken);
    }

    private async Task RecvChallengeAckAsync(NodeName peer, byte[] myChallenge, CancellationToken cancellationToken)
    {
        const HandshakeStep step = HandshakeStep.RecvChallengeAck;
        var body = await channel.ReceiveAsync(step, cancellationToken);
        var digest = Decode(step, body, (ref MessagePackReader reader) =>
        {
            var peek = reader.CreatePeekReader();
            peek.ReadArrayHeader();
            if (peek.ReadByte() == StatusTag)
            {
                var status = ReadStatus(step, ref reader);
                throw new HandshakeException(step, FailureOf(status), $"{peer} answered '{status}': the cookies differ");
            }

            Expect(step, ref reader, ChallengeAckTag, 2);
            return ReadDigest(step, ref reader);
        });

        var expected = CookieDigest.Ack(self.Cookie, myChallenge, self.Name.ToString(), peer.ToString());
        if (!CookieDigest.Matches(expected, digest))
        {
            throw new HandshakeException(step, HandshakeFailure.BadCookie, $"{peer} proved a different cookie");
        }
    }

    private static void WriteStatus(ref MessagePackWriter writer, string status)
    {
        writer.WriteArrayHeader(2);
        writer.Write(StatusTag);
        writer.Write(status);
    }

    private static string ReadStatus(HandshakeStep step, ref MessagePackReader reader)
    {
        Expect(step, ref reader, StatusTag, 2);
        return reader.ReadString() ?? string.Empty;
    }

    private static HandshakeFailure FailureOf(string status) => status switch
    {
        Status.Nok => HandshakeFailure.SimultaneousConnect,
        Status.Alive => HandshakeFailure.AlreadyConnected,
        Status.Version => HandshakeFailure.Version,
        Status.BadCookie => HandshakeFailure.BadCookie,
        Status.TlsRequired or Status.NoTls => HandshakeFailure.TlsMismatch,
        _ => HandshakeFailure.NotAllowed,
    };

    private static void Expect(HandshakeStep step, ref MessagePackReader reader, byte tag, int fields)
    {
        var count = reader.ReadArrayHeader();
        var actual = reader.ReadByte();
        if (actual != tag || count != fields)
        {
            throw new HandshakeException(step, HandshakeFailure.ProtocolError, $"expected message {tag} with {fields} fields, got message {actual} with {count}");
        }
    }

    private static byte[] ReadDigest(HandshakeStep step, ref MessagePackReader reader)
    {
        var bytes = reader.ReadBytes();
        if (bytes is not { Length: CookieDigest.Length } value)
        {
            throw new HandshakeException(step, HandshakeFailure.ProtocolError, "a challenge or digest must be 32 bytes");
        }

        return value.ToArray();
    }

    private static NodeName ParseName(HandshakeStep step, string? text) =>
        NodeName.TryParse(text, out var name, out var error) && text!.Contains('@', StringComparison.Ordinal)
            ? name
            : throw new HandshakeException(step, HandshakeFailure.ProtocolError, error ?? $"'{text}' is not a full node name");

    private delegate T Decoder<out T>(ref MessagePackReader reader);

    private static T Decode<T>(HandshakeStep step, byte[] body, Decoder<T> decode)
    {
        try
        {
            var reader = new MessagePackReader(body);
            return decode(ref reader);
        }
        catch (Exception ex) when (ex is MessagePackSerializationException or EndOfStreamException or InvalidOperationException or OverflowException)
        {
            throw new HandshakeException(step, HandshakeFailure.ProtocolError, "a malformed handshake message", ex);
        }
    }
}

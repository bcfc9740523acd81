using System.Buffers;
using System.Buffers.Binary;
using MessagePack;

namespace Kv.Distribution.Connections;

/// <summary>Writes one handshake message's MessagePack body.</summary>
internal delegate void MessageWriter(ref MessagePackWriter writer);

/// <summary>
/// Handshake messages on a fresh connection: <c>[2-byte big-endian length][MessagePack array]</c>,
/// at most <see cref="MaxMessageLength"/> bytes, each read or write under its own deadline.
/// </summary>
internal sealed class HandshakeChannel(Stream stream, TimeSpan stepTimeout)
{
    /// <summary>The largest handshake message accepted.</summary>
    public const int MaxMessageLength = 1024;

    /// <summary>The first byte of a TLS record's version (3, for SSL 3 to TLS 1.3).</summary>
    private const byte TlsMajorVersion = 3;

    /// <summary>The largest TLS record (2^14 bytes of data plus expansion).</summary>
    private const int MaxTlsRecordLength = 16384 + 2048;

    /// <summary>Writes one message built by <paramref name="write"/>.</summary>
    public async Task SendAsync(HandshakeStep step, MessageWriter write, CancellationToken cancellationToken)
    {
        var body = new ArrayBufferWriter<byte>(128);
        body.Write(stackalloc byte[2]);
        var writer = new MessagePackWriter(body);
        write(ref writer);
        writer.Flush();
        var bytes = body.WrittenMemory.ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)(bytes.Length - 2));
        await RunStepAsync(step, token => stream.WriteAsync(bytes, token).AsTask(), cancellationToken);
    }

    /// <summary>Reads one message; its body is returned for the caller to decode.</summary>
    public async Task<byte[]> ReceiveAsync(HandshakeStep step, CancellationToken cancellationToken)
    {
        var prefix = new byte[2];
        byte[] body = [];
        await RunStepAsync(step, async token =>
        {
            await ReadExactlyAsync(step, prefix, token);
            if (prefix[0] == Tls.TlsChannel.HandshakeRecord && prefix[1] == TlsMajorVersion)
            {
                await SkipTlsRecordAsync(step, token);
                throw new HandshakeException(step, HandshakeFailure.TlsMismatch, "the peer opened TLS: it requires TLS on its links, and this node runs without TLS");
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(prefix);
            if (length is 0 or > MaxMessageLength)
            {
                throw new HandshakeException(step, HandshakeFailure.ProtocolError, $"a handshake message of {length} bytes (the limit is {MaxMessageLength})");
            }

            body = new byte[length];
            await ReadExactlyAsync(step, body, token);
        }, cancellationToken);
        return body;
    }

    /// <summary>
    /// Reads the rest of a TLS client's first record (its hello), so that the plaintext answer to it
    /// arrives before the connection closes (closing on unread bytes would reset it).
    /// </summary>
    private async Task SkipTlsRecordAsync(HandshakeStep step, CancellationToken token)
    {
        var header = new byte[3];
        await ReadExactlyAsync(step, header, token);
        var length = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(1));
        await ReadExactlyAsync(step, new byte[Math.Min((int)length, MaxTlsRecordLength)], token);
    }

    private async Task ReadExactlyAsync(HandshakeStep step, byte[] buffer, CancellationToken token)
    {
        try
        {
            await stream.ReadExactlyAsync(buffer, token);
        }
        catch (EndOfStreamException ex)
        {
            throw new HandshakeException(step, HandshakeFailure.Closed, "the peer closed the connection", ex);
        }
    }

    private async Task RunStepAsync(HandshakeStep step, Func<CancellationToken, Task> io, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(stepTimeout);
        try
        {
            await io(deadline.Token);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new HandshakeException(step, HandshakeFailure.Timeout, $"no answer within {stepTimeout.TotalMilliseconds:0} ms", ex);
        }
        catch (IOException ex)
        {
            throw new HandshakeException(step, HandshakeFailure.Closed, ex.InnerException?.Message ?? ex.Message, ex);
        }
    }
}

using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Kv.Distribution.Connections;
using Kv.Distribution.Nodes;

namespace Kv.Distribution.Tls;

/// <summary>
/// Opens a link's TLS channel, before the cookie handshake runs inside it: as the initiator
/// (<see cref="ConnectAsync"/>) or the acceptor (<see cref="AcceptAsync"/>). Each refuses a peer
/// that does not speak TLS, or whose certificate is not signed by the cluster's CA or does not
/// name it, with a <see cref="HandshakeException"/> at <see cref="HandshakeStep.Tls"/> that says which.
/// </summary>
internal static class TlsChannel
{
    /// <summary>The first byte of a TLS handshake record: a TLS client's first byte.</summary>
    public const byte HandshakeRecord = 0x16;

    /// <summary>The first byte of a TLS alert record: what a TLS peer sends to refuse.</summary>
    private const byte AlertRecord = 0x15;

    /// <summary>Runs the client's side of TLS over <paramref name="transport"/> to <paramref name="peer"/>, checking that its certificate names it.</summary>
    /// <returns>The encrypted stream, which owns <paramref name="transport"/>.</returns>
    /// <exception cref="HandshakeException">At <see cref="HandshakeStep.Tls"/>: the peer runs without TLS, its certificate was refused, or it refused the channel.</exception>
    public static async Task<SslStream> ConnectAsync(LinkTls tls, Stream transport, NodeName peer, CancellationToken cancellationToken)
    {
        var watched = new FirstByteStream(transport);
        var stream = new SslStream(watched, leaveInnerStreamOpen: false);
        string? refusal = null;
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = peer.Host,
            EnabledSslProtocols = LinkTls.Protocols,
            ClientCertificateContext = tls.Context,
            CertificateChainPolicy = tls.ChainPolicy,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                // The name is checked against the node's name below, not as a host name.
                refusal = Refusal(certificate, errors & ~SslPolicyErrors.RemoteCertificateNameMismatch, peer);
                return refusal is null;
            },
        };

        if (!OperatingSystem.IsWindows())
        {
            options.CipherSuitesPolicy = LinkTls.CipherSuites;
        }

        try
        {
            await stream.AuthenticateAsClientAsync(options, cancellationToken);
            return stream;
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            await stream.DisposeAsync();
            throw refusal is not null
                ? new HandshakeException(HandshakeStep.Tls, HandshakeFailure.Certificate, $"refused the certificate of {peer}: {refusal}", ex)
                : watched.FirstByte is { } first && first is not HandshakeRecord and not AlertRecord
                    ? new HandshakeException(HandshakeStep.Tls, HandshakeFailure.TlsMismatch, $"{peer} answered in plaintext: it runs without TLS on its links, and this node requires TLS", ex)
                    : new HandshakeException(HandshakeStep.Tls, HandshakeFailure.Certificate, $"{peer} refused the TLS channel: {Detail(ex)}", ex);
        }
    }

    /// <summary>
    /// Runs the server's side of TLS over <paramref name="transport"/>, requiring a client
    /// certificate signed by the cluster's CA. A peer whose first byte does not open TLS is told
    /// (<c>tls_required</c>, in plaintext) and refused.
    /// </summary>
    /// <returns>The encrypted stream, which owns <paramref name="transport"/>, and the peer's certificate, whose name the caller checks once the peer has said who it is.</returns>
    /// <exception cref="HandshakeException">At <see cref="HandshakeStep.Tls"/>: the peer runs without TLS, its certificate was refused, or it refused the channel.</exception>
    public static async Task<(SslStream Stream, X509Certificate2 Certificate)> AcceptAsync(
        LinkTls tls, Socket socket, Stream transport, Handshake plaintext, CancellationToken cancellationToken)
    {
        var first = new byte[1];
        if (await socket.ReceiveAsync(first, SocketFlags.Peek, cancellationToken) == 0)
        {
            throw new HandshakeException(HandshakeStep.Tls, HandshakeFailure.Closed, "the peer closed the connection before saying anything");
        }

        if (first[0] != HandshakeRecord)
        {
            await plaintext.RefuseAsync(Handshake.Status.TlsRequired, cancellationToken);
            throw new HandshakeException(HandshakeStep.Tls, HandshakeFailure.TlsMismatch, "a peer without TLS: this node requires TLS on its links, and told it so");
        }

        var stream = new SslStream(transport, leaveInnerStreamOpen: false);
        string? refusal = null;
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = tls.Context,
            EnabledSslProtocols = LinkTls.Protocols,
            ClientCertificateRequired = true,
            CertificateChainPolicy = tls.ChainPolicy,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                refusal = Refusal(certificate, errors, peer: null);
                return refusal is null;
            },
        };

        if (!OperatingSystem.IsWindows())
        {
            options.CipherSuitesPolicy = LinkTls.CipherSuites;
        }

        try
        {
            await stream.AuthenticateAsServerAsync(options, cancellationToken);
            return (stream, stream.RemoteCertificate as X509Certificate2
                ?? throw new HandshakeException(HandshakeStep.Tls, HandshakeFailure.Certificate, "the peer presented no certificate"));
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            await stream.DisposeAsync();
            throw refusal is not null
                ? new HandshakeException(HandshakeStep.Tls, HandshakeFailure.Certificate, $"refused the peer's certificate: {refusal}", ex)
                : new HandshakeException(HandshakeStep.Tls, HandshakeFailure.Certificate, $"the peer refused the TLS channel: {Detail(ex)}", ex);
        }
    }

    /// <summary>Why a peer's certificate is refused, or <see langword="null"/> when it is good.</summary>
    private static string? Refusal(X509Certificate? certificate, SslPolicyErrors errors, NodeName? peer)
    {
        if (certificate is not X509Certificate2 presented || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return "it presented no certificate";
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
        {
            return $"{presented.Subject} is not signed by the cluster's CA (or has expired)";
        }

        if (errors != SslPolicyErrors.None)
        {
            return $"{presented.Subject}: {errors}";
        }

        return peer is { } expected && !LinkTls.Names(presented, expected)
            ? $"{presented.Subject} does not name {expected}"
            : null;
    }

    private static string Detail(Exception ex) => ex.InnerException is { } inner ? $"{ex.Message} ({inner.Message})" : ex.Message;
}

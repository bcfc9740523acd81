using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Kv.Distribution.Nodes;

namespace Kv.Distribution.Tls;

/// <summary>
/// TLS for the links between nodes, as Erlang's <c>-proto_dist inet_tls</c>: every link runs TLS 1.3
/// with mutual authentication, each node presenting a certificate signed by the cluster's
/// certificate authority, and the cookie handshake runs inside the encrypted channel. A node with
/// TLS refuses plaintext peers, and a node without it refuses TLS peers, each side saying why.
/// </summary>
/// <remarks>
/// <para><b>Names.</b> A node's certificate must name it (<see cref="Names"/>): its subject common
/// name is the node's full name (<c>foo@host</c>), or its common name or a subject alternative name
/// (DNS or IP) is the node's host, a host certificate being good for every node on that host.</para>
/// <para>The initiator checks the acceptor's certificate against the node it asked for; the
/// acceptor checks the initiator's against the name it claims in the handshake, and refuses it
/// (<c>not_allowed</c>) when they differ.</para>
/// </remarks>
public sealed class LinkTls
{
    private readonly X509ChainPolicy _chainPolicy;

    private LinkTls(X509Certificate2 certificate, X509Certificate2Collection authority, X509Certificate2Collection intermediates)
    {
        Certificate = certificate;
        Authority = authority;
        _chainPolicy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
        };
        _chainPolicy.CustomTrustStore.AddRange(authority);
        _chainPolicy.ExtraStore.AddRange(intermediates);
        Context = SslStreamCertificateContext.Create(certificate, intermediates, offline: true);
    }

    /// <summary>This node's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The certificate authorities whose signature a peer's certificate must carry.</summary>
    public X509Certificate2Collection Authority { get; }

    /// <summary>This node's certificate as <see cref="SslStream"/> presents it, with its chain.</summary>
    internal SslStreamCertificateContext Context { get; }

    /// <summary>The protocol spoken: TLS 1.3 only.</summary>
    internal static SslProtocols Protocols => SslProtocols.Tls13;

    /// <summary>
    /// TLS 1.3's suites, AES-128-GCM first: as strong as a link needs, and the cheapest per byte
    /// with AES instructions (links are CPU-bound, BENCHMARKS.md).
    /// </summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    internal static CipherSuitesPolicy CipherSuites { get; } = new(
    [
        TlsCipherSuite.TLS_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256,
    ]);

    /// <summary>
    /// Loads this node's certificate and the cluster's authority from files: PEM (<paramref name="certificatePath"/>
    /// holds the certificate, then any intermediates; <paramref name="keyPath"/> its private key) or,
    /// when <paramref name="keyPath"/> is <see langword="null"/>, a PKCS#12 bundle with the key inside.
    /// </summary>
    /// <param name="certificatePath">This node's certificate (PEM), or a PKCS#12 bundle (<c>.p12</c>, <c>.pfx</c>).</param>
    /// <param name="keyPath">Its private key (PEM); <see langword="null"/> for a bundle.</param>
    /// <param name="authorityPath">The cluster's CA certificate(s), PEM.</param>
    /// <param name="bundlePassword">The bundle's password, if it has one.</param>
    /// <exception cref="LinkTlsException">A file is missing or unreadable, the key does not match, or the certificate is not signed by the authority; the message names the file.</exception>
    public static LinkTls Load(string certificatePath, string? keyPath, string authorityPath, string? bundlePassword = null)
    {
        var authority = Read(authorityPath, "the CA certificate", path =>
        {
            var certificates = new X509Certificate2Collection();
            certificates.ImportFromPemFile(path);
            return certificates;
        });
        if (authority.Count == 0)
        {
            throw new LinkTlsException($"{authorityPath} holds no PEM certificate: --tls-ca takes the cluster's CA certificate.");
        }

        X509Certificate2 certificate;
        var intermediates = new X509Certificate2Collection();
        if (keyPath is null)
        {
            certificate = Read(certificatePath, "the PKCS#12 bundle", path => X509CertificateLoader.LoadPkcs12FromFile(path, bundlePassword));
        }
        else
        {
            certificate = Read(certificatePath, "the certificate and its key", path => X509Certificate2.CreateFromPemFile(path, keyPath));
            var chain = Read(certificatePath, "the certificate", path =>
            {
                var all = new X509Certificate2Collection();
                all.ImportFromPemFile(path);
                return all;
            });
            foreach (var extra in chain.Skip(1))
            {
                intermediates.Add(extra);
            }
        }

        if (!certificate.HasPrivateKey)
        {
            throw new LinkTlsException($"{certificatePath} has no private key: give it with --tls-key, or use a PKCS#12 bundle that holds it.");
        }

        var tls = new LinkTls(certificate, authority, intermediates);
        if (tls.Verify(certificate) is { } problem)
        {
            throw new LinkTlsException($"{certificatePath} is not usable with the CA in {authorityPath}: {problem}.");
        }

        return tls;
    }

    /// <summary>
    /// Loads the files of <paramref name="node"/> from a directory laid out as <c>scripts/make-certs.sh</c>
    /// makes it: <c>ca.pem</c>, <c>NODE.pem</c> and <c>NODE-key.pem</c>, NODE being the full node name.
    /// </summary>
    /// <exception cref="LinkTlsException">A file is missing or cannot be used; the message names it.</exception>
    public static LinkTls FromDirectory(string directory, NodeName node)
    {
        var certificate = Path.Combine(directory, $"{node}.pem");
        return File.Exists(certificate)
            ? Load(certificate, Path.Combine(directory, $"{node}-key.pem"), Path.Combine(directory, "ca.pem"))
            : throw new LinkTlsException($"{directory} holds no certificate for {node} ({node}.pem): make one with scripts/make-certs.sh {directory} {node}.");
    }

    /// <summary>Makes one from certificates already loaded (tests, or a node set up from code).</summary>
    /// <param name="certificate">This node's certificate, with its private key.</param>
    /// <param name="authority">The cluster's CA certificate(s).</param>
    public static LinkTls Create(X509Certificate2 certificate, X509Certificate2Collection authority)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(authority);
        return !certificate.HasPrivateKey
            ? throw new LinkTlsException("The certificate has no private key.")
            : new LinkTls(certificate, authority, []);
    }

    /// <summary>
    /// Whether <paramref name="certificate"/> names <paramref name="node"/>: its subject common name
    /// is the full node name or the node's host, or a subject alternative name (DNS or IP) is the host.
    /// </summary>
    public static bool Names(X509Certificate2 certificate, NodeName node)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var commonName = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        if (string.Equals(commonName, node.ToString(), StringComparison.Ordinal)
            || string.Equals(commonName, node.Host, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return certificate.MatchesHostname(node.Host, allowWildcards: false, allowCommonName: false);
    }

    /// <summary>Throws unless this node's certificate names <paramref name="self"/>: a node must be able to prove its own name.</summary>
    /// <exception cref="LinkTlsException">It does not.</exception>
    public void CheckNames(NodeName self)
    {
        if (!Names(Certificate, self))
        {
            throw new LinkTlsException(
                $"this node's TLS certificate ({Certificate.Subject}) does not name {self}: its common name must be {self} or {self.Host}, or a subject alternative name {self.Host}.");
        }
    }

    /// <summary>Why <paramref name="certificate"/> is not signed by the cluster's authority, or <see langword="null"/> when it is.</summary>
    internal string? Verify(X509Certificate2 certificate)
    {
        using var chain = new X509Chain { ChainPolicy = _chainPolicy.Clone() };
        if (chain.Build(certificate))
        {
            return null;
        }

        var reasons = chain.ChainStatus.Select(s => s.Status == X509ChainStatusFlags.UntrustedRoot || s.Status == X509ChainStatusFlags.PartialChain
            ? "not signed by the cluster's CA"
            : s.StatusInformation.Trim());
        return $"{certificate.Subject}: {string.Join("; ", reasons.Distinct())}";
    }

    /// <summary>The chain policy a handshake validates the peer's certificate under (the cluster's CA as the only root).</summary>
    internal X509ChainPolicy ChainPolicy => _chainPolicy.Clone();

    private static T Read<T>(string path, string what, Func<string, T> read)
    {
        try
        {
            return read(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new LinkTlsException($"cannot read {what} from {path}: {ex.Message}", ex);
        }
    }
}

using System.Diagnostics;
using Kv.Distribution.Tls;

namespace Kv.Tests.Support;

/// <summary>
/// A certificate authority of a test's own and certificates for its nodes, made by the documented
/// script (<c>scripts/make-certs.sh</c>, copied beside the tests) in a fresh directory.
/// </summary>
internal sealed class ClusterCertificates : IDisposable
{
    private ClusterCertificates(string directory) => Directory = directory;

    /// <summary>Where the files are: <c>ca.pem</c>, and <c>NODE.pem</c> with <c>NODE-key.pem</c> for each node.</summary>
    public string Directory { get; }

    /// <summary>The CA's certificate (<c>--tls-ca</c>).</summary>
    public string AuthorityPath => Path.Combine(Directory, "ca.pem");

    /// <summary>Makes a CA and a certificate for each of <paramref name="nodes"/> (full names, or hosts: see the script).</summary>
    public static async Task<ClusterCertificates> MakeAsync(params string[] nodes)
    {
        if (!File.Exists("/usr/bin/openssl") && !File.Exists("/bin/openssl"))
        {
            Assert.Skip("the openssl command is not installed (.ci/run installs it): scripts/make-certs.sh needs it");
        }

        var directory = Path.Combine(Path.GetTempPath(), "kv-certs-" + Guid.NewGuid().ToString("N")[..8]);
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "make-certs.sh"));
        info.ArgumentList.Add(directory);
        foreach (var node in nodes)
        {
            info.ArgumentList.Add(node);
        }

        using var script = Process.Start(info)!;
        var error = script.StandardError.ReadToEndAsync();
        await script.StandardOutput.ReadToEndAsync();
        await script.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(script.ExitCode == 0, $"make-certs.sh failed: {await error}");
        return new ClusterCertificates(directory);
    }

    /// <summary>The certificate of <paramref name="node"/> (<c>--tls-cert</c>).</summary>
    public string CertificatePath(string node) => Path.Combine(Directory, node + ".pem");

    /// <summary>The private key of <paramref name="node"/> (<c>--tls-key</c>).</summary>
    public string KeyPath(string node) => Path.Combine(Directory, node + "-key.pem");

    /// <summary>TLS settings for <paramref name="node"/>, trusting this CA; <paramref name="authority"/> trusts another one instead.</summary>
    public LinkTls For(string node, ClusterCertificates? authority = null) =>
        LinkTls.Load(CertificatePath(node), KeyPath(node), (authority ?? this).AuthorityPath);

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Temporary files; leave them if they cannot go.
        }
    }
}

using System.Runtime.InteropServices;

namespace Kv.Tests.Support;

/// <summary>
/// Whether this machine can run the multi-host tests: they start node processes
/// (<c>KV_TEST_NODES=1</c>), and they make network namespaces, veth pairs and nftables rules, which
/// needs Linux, root, iproute2's <c>ip</c> and <c>tc</c>, and nftables' <c>nft</c>. The check runs once
/// per test run and ends by really making (and removing) a namespace with a veth pair in it, so a
/// container that lacks the capability is told apart from one that has it.
/// </summary>
public static partial class MultiHostEnvironment
{
    private static readonly Lazy<string?> s_missing = new(Probe);

    /// <summary>Why the multi-host tests cannot run here, with how to fix it; <see langword="null"/> when they can.</summary>
    public static string? SkipReason =>
        !DistributedEnvironment.NodesAllowed
            ? "Starts node processes in network namespaces: run with KV_TEST_NODES=1 (as the README's test command does), as root, with nftables installed."
            : s_missing.Value;

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "Needs Linux network namespaces (ip netns); this is not Linux.";
        }

        if (GetEffectiveUserId() != 0)
        {
            return "Needs root to make network namespaces, veth pairs and nftables rules: run the tests as root (CI does).";
        }

        foreach (var (program, package) in new[] { ("ip", "iproute2"), ("tc", "iproute2"), ("nft", "nftables") })
        {
            if (HostCommand.Find(program) is null)
            {
                return $"Needs '{program}' to build the test network: apt-get install -y {package} (.ci/run installs nftables when nft is missing).";
            }
        }

        var probe = $"{VirtualHosts.Prefix}{Environment.ProcessId}-probe";
        try
        {
            var made = HostCommand.TryRun("ip", "netns", "add", probe);
            if (made.ExitCode != 0)
            {
                return $"Cannot make a network namespace here (`{made.Command}`: {made.Error.Trim()}); the multi-host tests need CAP_SYS_ADMIN and CAP_NET_ADMIN.";
            }

            var veth = HostCommand.TryRun("ip", "-n", probe, "link", "add", "probe0", "type", "veth", "peer", "name", "probe1");
            if (veth.ExitCode != 0)
            {
                return $"Cannot make a veth pair here (`{veth.Command}`: {veth.Error.Trim()}); the multi-host tests need the veth driver.";
            }

            var nft = HostCommand.TryRun("ip", "netns", "exec", probe, HostCommand.Require("nft"), "add", "table", "inet", "probe");
            if (nft.ExitCode != 0)
            {
                return $"Cannot add an nftables table here (`{nft.Command}`: {nft.Error.Trim()}); the multi-host tests need nf_tables in the kernel.";
            }

            return null;
        }
        finally
        {
            HostCommand.TryRun("ip", "netns", "del", probe);
        }
    }

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();
}

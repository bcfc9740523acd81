using System.Text.RegularExpressions;
using Kv.Distribution.Nodes;
using Kv.Tests.Support;

namespace Kv.Tests.Server;

/// <summary>
/// The block of lines a node logs once it has started: its name and ports, its text server, the
/// nodes file it read and the ranges it owns; and the warnings when a named node owns no range or
/// is none of the file's nodes. Real node processes.
/// </summary>
[Trait("distributed", "true")]
public sealed class StartupBannerTests : ClusterTestBase
{
    [DistributedFact]
    public async Task ANodeInTheTable_NamesItsPorts_TheFile_AndItsRange_EvenWhenTheConsoleIsTheShell()
    {
        var path = Cluster.WriteNodesFile();
        var (foo, bar) = (Cluster.NameOf("foo"), Cluster.NameOf("bar"));

        var node = Cluster.StartProcess("foo", NodeCluster.CookieValue, ["--nodes", path, "--port", "0", "--bind", "127.0.0.1", "--shell"]);

        await node.WaitForLineAsync(new Regex($@"StartupBanner\[1\] node {Regex.Escape(foo.ToString())}: distribution port \d+, port mapper port {Cluster.PortMapperPort}$"));
        await node.WaitForLineAsync(new Regex(@"StartupBanner\[12\] links: plaintext, authenticated by the cookie \(--tls turns TLS on\)$"));
        await node.WaitForLineAsync(new Regex(@"StartupBanner\[3\] text server: 127\.0\.0\.1:\d+ \(port: --port 0 on the command line\)$"));
        await node.WaitForLineAsync(new Regex($@"StartupBanner\[7\] nodes file: {Regex.Escape(Path.GetFullPath(path))}: a\.\.m on {Regex.Escape(foo.ToString())}, n\.\.z on {Regex.Escape(bar.ToString())}$"));
        await node.WaitForLineAsync(new Regex(@"StartupBanner\[8\] this node owns a\.\.m$"));
        Assert.DoesNotContain("warn:", node.Output, StringComparison.Ordinal);
        await node.TypeAsync("quit\n");
        Assert.Equal(0, await node.WaitForExitAsync(TimeSpan.FromSeconds(10)));
    }

    [DistributedFact]
    public async Task ANodeNamedOtherwiseThanTheTable_IsWarned_WithTheNameToUse()
    {
        var path = Cluster.WriteNodesFile();
        var bar = Cluster.NameOf("bar");
        var spelledOtherwise = $"{bar.Name}@127.0.0.1";

        var node = Cluster.StartProcess(["--name", spelledOtherwise, "--cookie", NodeCluster.CookieValue, "--nodes", path, "--port", "0", "--bind", "127.0.0.1"]);

        var warning = await node.WaitForLineAsync(new Regex(@"^warn: Kv\.Server\.StartupBanner\[10\] (?<text>.*)$"));
        Assert.Equal(
            $"this node, {spelledOtherwise}, is none of the nodes {Path.GetFullPath(path)} names ({Cluster.NameOf("foo")}, {bar}), so it owns no range and the others route nothing to it; "
            + $"the file's {bar} is another name (a name without @ there means @{NodeName.ShortHostName}): start with --sname {bar.Name}, or write {spelledOtherwise} in the file",
            warning.Groups["text"].Value);
    }

    [DistributedFact]
    public async Task ANodeInTheFileThatNoEntryNames_IsWarned_ThatItOwnsNoRange()
    {
        var path = Path.Combine(Path.GetTempPath(), $"kv-idle-{Guid.NewGuid():N}.json");
        var (foo, idle) = (Cluster.NameOf("foo"), Cluster.NameOf("idle"));
        await File.WriteAllTextAsync(path, $$"""{ "routing": [ { "first": 0, "last": 255, "node": "{{foo.Name}}" } ], "nodes": { "{{foo.Name}}": {}, "{{idle.Name}}": {} } }""", Ct);
        try
        {
            var node = Cluster.StartProcess("idle", NodeCluster.CookieValue, ["--nodes", path, "--port", "0", "--bind", "127.0.0.1"]);

            await node.WaitForLineAsync(new Regex($@"StartupBanner\[7\] nodes file: .*: 0\.\.255 on {Regex.Escape(foo.ToString())}$"));
            await node.WaitForLineAsync(new Regex($@"^warn: Kv\.Server\.StartupBanner\[9\] this node owns no range: {Regex.Escape(idle.ToString())} is in .* but no routing entry names it"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [DistributedFact]
    public async Task WithoutANodesFile_EveryBucketIsLocal_AndTheBannerSaysSo()
    {
        var node = Cluster.StartProcess("alone", NodeCluster.CookieValue, ["--port", "0", "--bind", "127.0.0.1"]);

        await node.WaitForLineAsync(new Regex($@"StartupBanner\[1\] node {Regex.Escape(Cluster.NameOf("alone").ToString())}: distribution port \d+, port mapper port {Cluster.PortMapperPort}$"));
        await node.WaitForLineAsync(new Regex($@"StartupBanner\[5\] nodes file: none: every bucket is local \(no --nodes, and no nodes\.json in {Regex.Escape(AppContext.BaseDirectory.TrimEnd('/'))}\)$"));
        Assert.DoesNotContain("this node owns", node.Output, StringComparison.Ordinal);
    }
}

using System.Globalization;
using Kv.Distribution.Nodes;
using Kv.Distribution.PortMapper;

namespace Kv.Tests.Server;

/// <summary>
/// The console host with no <c>--cookie</c>: it reads <c>~/.kv.cookie</c> under a HOME of the
/// test's own, and refuses to start, in one line, when that file is open to group or others.
/// </summary>
[Trait("distributed", "true")]
public sealed class CookieFileHostTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("kv-home-").FullName;
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..6];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [DistributedFact]
    public async Task OpenCookieFile_NodeRefusesToStart_WithOneLineNamingTheFileItsModeAndTheFix()
    {
        var cookie = await WriteCookieFileAsync("0644");

        await using var node = NodeProcess.Start(Environment(cookie: null), "--sname", $"x-{_suffix}", "--port", "0", "--bind", "127.0.0.1");

        Assert.Equal(2, await node.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        var output = node.Output;
        Assert.Contains($"kv: Cookie file {cookie} must be accessible by owner only, but its mode is 0644: run 'chmod 400 {cookie}' (or pass --cookie).", output.Split('\n'));
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [DistributedFact]
    public async Task CookieFromTheEnvironment_StartsTheNode_WhateverTheCookieFile()
    {
        await WriteCookieFileAsync("0644");
        var name = $"y-{_suffix}";

        await using var node = NodeProcess.Start(Environment(cookie: "from-the-environment"), "--sname", name, "--eval", "node");

        Assert.Equal(0, await node.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains(NodeName.Parse(name).ToString(), node.Output.Split('\n'));
    }

    public void Dispose() => Directory.Delete(_home, recursive: true);

    /// <summary>HOME is the test's folder, KV_COOKIE is <paramref name="cookie"/> (empty: unset), and the port mapper is private to the test.</summary>
    private Dictionary<string, string> Environment(string? cookie) => new()
    {
        ["HOME"] = _home,
        [Cookie.EnvironmentVariable] = cookie ?? string.Empty,
        [PortMapperOptions.PortVariable] = NodeCluster.FreePort().ToString(CultureInfo.InvariantCulture),
    };

    private async Task<string> WriteCookieFileAsync(string octal)
    {
        var path = Path.Combine(_home, ".kv.cookie");
        await File.WriteAllTextAsync(path, "file-secret", Ct);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32(octal, 8));
        }

        return path;
    }
}

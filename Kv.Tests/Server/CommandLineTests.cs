using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Kv.Server.Cli;

namespace Kv.Tests.Server;

/// <summary>
/// The console host's command line, as a user meets it: a real <c>Kv.Server</c> process each time.
/// <c>--help</c> lists every option with its default and environment variable and starts nothing; a
/// mistyped option is an error naming the one meant; a startup failure is one line and exit code 2.
/// </summary>
public sealed partial class CommandLineTests
{
    private static readonly TimeSpan s_exit = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("--help", "--port", "4099")]
    public async Task Help_ListsEveryOption_WithItsDefaultAndEnvironmentVariable_AndStartsNothing(params string[] args)
    {
        await using var node = NodeProcess.Start(args);

        Assert.Equal(0, await node.WaitForExitAsync(s_exit));
        var help = node.Output;
        foreach (var option in OptionTable.All)
        {
            var line = help.Split('\n').FirstOrDefault(line => line.TrimStart().StartsWith(option.Name + " ", StringComparison.Ordinal));
            Assert.True(line is not null, $"{option.Name} is not in the help:\n{help}");
            Assert.Contains(option.Description, line, StringComparison.Ordinal);
            if (option.Default is { } fallback)
            {
                Assert.Contains($"[default: {fallback}]", line, StringComparison.Ordinal);
            }

            if (option.EnvironmentVariable is { } variable)
            {
                Assert.Contains($"[env: {variable}]", line, StringComparison.Ordinal);
            }
        }

        Assert.Contains("--dist-port <N>", help, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^  KV_PORTMAPPER_PORT +\S", help);
        Assert.Matches(@"(?m)^  PORT +As --port", help);
        Assert.DoesNotContain("listening", help, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-sname baz", "unknown option '-sname'; did you mean --sname?")]
    [InlineData("--snam baz", "unknown option '--snam'; did you mean --sname?")]
    [InlineData("--max-client 5", "unknown option '--max-client'; did you mean --max-clients?")]
    [InlineData("--setcookie secret", "unknown option '--setcookie'; did you mean --cookie?")]
    [InlineData("--port 0 baz", "unexpected argument 'baz'")]
    [InlineData("--port", "Required argument missing for option: '--port'")]
    public async Task AWrongCommandLine_IsOneError_WithTheOptionMeant_AndExitCode2(string commandLine, string expected)
    {
        await using var node = NodeProcess.Start(commandLine.Split(' '));

        await AssertOneLineFailureAsync(node, new Regex(Regex.Escape(expected)));
    }

    [Theory]
    [InlineData("--port abc", null, null, @"^kv: --port must be a TCP port, 0 to 65535: got --port abc on the command line\.$")]
    [InlineData("--bind 0.0.0.0", "PORT", "abc", @"^kv: --port must be a TCP port, 0 to 65535: got PORT=abc in the environment\.$")]
    [InlineData("--port 0", "KV_PORTMAPPER_PORT", "abc", @"^kv: KV_PORTMAPPER_PORT is 'abc', which is not a port\. Set it to a number from 1 to 65535")]
    [InlineData("--port 0 --load Nope", null, null, @"^kv: --load must name loadable modules \(Hello\), and there is no module Nope: got --load Nope on the command line\.$")]
    [InlineData("--port 0 --sname foo --name foo@host", null, null, @"^kv: give --sname or --name, not both")]
    [InlineData("--port 0 --bind 192.0.2.1", null, null, @"^kv: 192\.0\.2\.1 is not an address of this host, so the TCP port cannot listen there \(--bind 192\.0\.2\.1 on the command line\); give one of this host's addresses")]
    [InlineData("--port 0 --tick-time 0", null, null, @"^kv: --tick-time must be a number of seconds above 0")]
    [InlineData("--port 0", "Node__Hidden", "yes", @"^kv: --hidden must be true or false: got Node:Hidden=yes in the configuration\.$")]
    [InlineData("--port 0 --tls /tmp", null, null, @"^kv: TLS secures the links between nodes, and this node has no name: got --tls /tmp on the command line; give it one with --sname or --name\.$")]
    [InlineData("--port 0 --sname foo --tls-key k.pem", null, null, @"^kv: --tls-key goes with --tls-cert: got --tls-key k\.pem on the command line; give --tls-cert too, or --tls DIR alone\.$")]
    [InlineData("--port 0 --dist-bind nowhere", null, null, @"^kv: --dist-bind must be an IP address, such as 0\.0\.0\.0 or 127\.0\.0\.1: got --dist-bind nowhere on the command line\.$")]
    public async Task AStartupFailure_IsOneLine_NamingTheValueAndItsSource_ExitCode2_NoStack(string commandLine, string? variable, string? value, string expected)
    {
        var environment = variable is null ? new Dictionary<string, string>() : new Dictionary<string, string> { [variable] = value! };
        await using var node = NodeProcess.Start(environment, commandLine.Split(' '));

        await AssertOneLineFailureAsync(node, new Regex(expected));
    }

    [Fact]
    public async Task TheTcpPortInUse_NamesThePort_AndWhereItCameFrom()
    {
        using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        holder.Bind(new IPEndPoint(IPAddress.Any, 0));
        holder.Listen();
        var port = ((IPEndPoint)holder.LocalEndPoint!).Port;

        await using (var flag = NodeProcess.Start("--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)))
        {
            await AssertOneLineFailureAsync(flag, new Regex($@"^kv: the TCP port {port} is already in use on 0\.0\.0\.0 \(--port {port} on the command line\); .*pick another with --port"));
        }

        await using var fromEnvironment = NodeProcess.Start(new Dictionary<string, string> { ["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        await AssertOneLineFailureAsync(fromEnvironment, new Regex($@"^kv: the TCP port {port} is already in use on 0\.0\.0\.0 \(PORT={port} in the environment\)"));
    }

    [Fact]
    public async Task AnAddressInTheNodesFile_ThatDoesNotResolve_IsOneLine_NamingTheNodeTheFileAndTheHost()
    {
        var path = Path.Combine(Path.GetTempPath(), $"kv-unresolved-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, """{ "nodes": { "foo@db1": { "address": "no-such-host.invalid:4371" } } }""", TestContext.Current.CancellationToken);
        try
        {
            await using var node = NodeProcess.Start("--port", "0", "--nodes", path);

            await AssertOneLineFailureAsync(node, new Regex(
                $@"^kv: the address of foo@db1 in {Regex.Escape(path)}, 'no-such-host\.invalid:4371', does not resolve: no-such-host\.invalid: .+; fix the host name, or give an IP address\.$"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Verbose_AddsTheStack_AfterTheOneLine()
    {
        using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        holder.Bind(new IPEndPoint(IPAddress.Any, 0));
        holder.Listen();
        var port = ((IPEndPoint)holder.LocalEndPoint!).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        await using var node = NodeProcess.Start("--port", port, "--verbose");

        Assert.Equal(2, await node.WaitForExitAsync(s_exit));
        Assert.Matches(@"(?m)^kv: the TCP port \d+ is already in use", node.Output);
        Assert.Contains("SocketException", node.Output, StringComparison.Ordinal);
        Assert.Contains("   at ", node.Output, StringComparison.Ordinal);
    }

    /// <summary>The process exits with 2 after exactly one <c>kv:</c> line matching <paramref name="expected"/>, and no stack.</summary>
    internal static async Task AssertOneLineFailureAsync(NodeProcess node, Regex expected)
    {
        Assert.Equal(2, await node.WaitForExitAsync(s_exit));
        var errors = node.Output.Split('\n').Where(line => line.StartsWith("kv: ", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 1, $"expected one kv: line, got {errors.Count}:\n{node.Output}");
        Assert.Matches(expected, errors[0]);
        Assert.DoesNotContain("   at ", node.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", node.Output, StringComparison.Ordinal);
    }
}

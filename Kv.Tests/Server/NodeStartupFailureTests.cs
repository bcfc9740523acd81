using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Kv.Distribution.PortMapper;
using Kv.Tests.Support;

namespace Kv.Tests.Server;

/// <summary>
/// A node that cannot start for a reason its operator can fix (its name taken, the port mapper's
/// port held by another program, its distribution port taken) says so in one line and exits with
/// 2, with no stack. Real node processes.
/// </summary>
[Trait("distributed", "true")]
public sealed class NodeStartupFailureTests : ClusterTestBase
{
    [DistributedFact]
    public async Task ANameTaken_IsOneLine_NamingTheNameAndWhereItCameFrom()
    {
        var (foo, _) = await Cluster.StartNodeAsync("foo");

        var second = Cluster.StartProcess("foo", NodeCluster.CookieValue, ["--port", "0"]);

        await CommandLineTests.AssertOneLineFailureAsync(second, new Regex(
            $@"^kv: the name {Regex.Escape(foo.ToString())} is taken: a running node on this host is registered as '{foo.Name}' \(--sname {foo.Name} on the command line\); stop that node, or start this one under another name\.$"));
    }

    [DistributedFact]
    public async Task APortMapperPortHeldByAnotherProgram_IsOneLine_NamingThePortAndTheVariable()
    {
        // Accepts connections and never answers, as a program that is not a port mapper would.
        using var holder = Listener(out var port);

        await using var node = NodeProcess.Start(
            new Dictionary<string, string> { [PortMapperOptions.PortVariable] = port.ToString(CultureInfo.InvariantCulture) },
            "--sname", Cluster.NameOf("foo").Name, "--cookie", NodeCluster.CookieValue, "--port", "0");

        await CommandLineTests.AssertOneLineFailureAsync(node, new Regex(
            $@"^kv: node {Regex.Escape(Cluster.NameOf("foo").ToString())} cannot register with the port mapper \({PortMapperOptions.PortVariable} in the environment\): .*port mapper on 127\.0\.0\.1:{port}.*set {PortMapperOptions.PortVariable} to a free port"));
    }

    [DistributedFact]
    public async Task TheDistributionPortInUse_IsOneLine_NamingThePortAndItsFlag()
    {
        using var holder = Listener(out var port);

        var node = Cluster.StartProcess("foo", NodeCluster.CookieValue, ["--port", "0", "--dist-port", port.ToString(CultureInfo.InvariantCulture)]);

        await CommandLineTests.AssertOneLineFailureAsync(node, new Regex(
            $@"^kv: the distribution port {port} is already in use on 0\.0\.0\.0 \(--dist-port {port} on the command line\); .*pick another with --dist-port"));
    }

    private static Socket Listener(out int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Any, 0));
        socket.Listen();
        port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        return socket;
    }
}

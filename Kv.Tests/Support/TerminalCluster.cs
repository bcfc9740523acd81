using System.Globalization;
using Kv.Distribution.PortMapper;

namespace Kv.Tests.Support;

/// <summary>Node processes in a terminal, on a <see cref="NodeCluster"/>'s port mapper.</summary>
internal static class TerminalCluster
{
    /// <summary>Starts <c>Kv.Server --sname NAME</c> with other arguments in a pseudo-terminal of its own, as a person at a terminal does; the cluster disposes it.</summary>
    public static TerminalProcess StartTerminal(this NodeCluster cluster, string name, string cookie, string[] args) =>
        cluster.Own(TerminalProcess.Start(
            new Dictionary<string, string> { [PortMapperOptions.PortVariable] = cluster.PortMapperPort.ToString(CultureInfo.InvariantCulture) },
            ["--sname", cluster.NameOf(name).Name, "--cookie", cookie, .. args]));
}

using System.Globalization;
using Kv.Core.Routing;
using Kv.Distribution.Nodes;
using Kv.Distribution.PortMapper;
using Kv.Server.Cli;
using Kv.Server.Distribution;
using Kv.Server.Tcp;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kv.Server;

/// <summary>
/// Logs, once everything has started, one block of lines that say what this process is: its node
/// name and ports, where its text server listens, the nodes file it read and the ranges of buckets
/// it owns; and warns when a named node owns none, or when the file names nodes and this node is
/// not one of them (a name spelled otherwise: <c>bar@127.0.0.1</c> against the file's <c>bar</c>).
/// Its category (<see cref="Category"/>) is logged at Information even when the console is the shell's.
/// </summary>
internal sealed partial class StartupBanner(
    NodeHost nodeHost,
    NodesConfig nodes,
    PortMapperOptions portMapper,
    ResolvedOptions options,
    IServiceProvider services,
    ILogger<StartupBanner> logger) : IHostedService
{
    /// <summary>The banner's log category.</summary>
    public static readonly string Category = typeof(StartupBanner).FullName!;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var node = nodeHost.Node;
        if (node is null)
        {
            NotANode(logger);
        }
        else
        {
            NodeLine(logger, node.Name, node.ListenEndPoint.Port, portMapper.Port, node.Options.Hidden ? ", hidden" : string.Empty);
            if (node.Options.Tls is { } tls)
            {
                TlsLinks(logger, tls.Certificate.Subject, string.Join(", ", tls.Authority.Select(ca => ca.Subject)));
            }
            else
            {
                PlaintextLinks(logger);
            }
        }

        if (services.GetService(typeof(KvTcpServer)) is KvTcpServer server)
        {
            TextServer(logger, server.LocalEndPoint, options.SourceOf("--port"));
        }
        else
        {
            NoTextServer(logger);
        }

        if (nodes.Path is null)
        {
            NoNodesFile(logger, Directory.GetCurrentDirectory());
        }
        else if (node is null)
        {
            NodesFileUnused(logger, nodes.Path);
        }
        else
        {
            NodesFileLine(logger, nodes.Path, Describe(nodes.Table.Entries));
            Ownership(node.Name);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Ownership(NodeName self)
    {
        var named = nodes.NamedNodes.ToList();
        var owned = nodes.Table.Entries.Where(entry => entry.Node == self).ToList();
        if (named.Count > 0 && !named.Contains(self))
        {
            NotInFile(logger, self, nodes.Path!, string.Join(", ", named), Hint(self, named));
        }
        else if (nodes.Table.IsLocal)
        {
            Owns(logger, "every bucket (the file has no routing entries)");
        }
        else if (owned.Count == 0)
        {
            OwnsNothing(logger, self, nodes.Path!);
        }
        else
        {
            Owns(logger, string.Join(", ", owned.Select(Range)));
        }
    }

    /// <summary>How to make <paramref name="self"/> one of the file's nodes, when a node there has its name but another host.</summary>
    private static string Hint(NodeName self, IEnumerable<NodeName> named) =>
        named.FirstOrDefault(other => other.Name == self.Name) is { IsEmpty: false } near
            ? $"the file's {near} is another name (a name without @ there means @{NodeName.ShortHostName}): start with {(near.Host == NodeName.ShortHostName ? $"--sname {near.Name}" : $"--name {near}")}, or write {self} in the file"
            : "start with the name of one of them, or add this node to the file";

    private static string Describe(IEnumerable<RoutingEntry> entries)
    {
        var text = string.Join(", ", entries.Select(entry => $"{Range(entry)} on {entry.Node}"));
        return text.Length == 0 ? "no routing entries, every bucket is local" : text;
    }

    private static string Range(RoutingEntry entry) => $"{Show(entry.First)}..{Show(entry.Last)}";

    private static string Show(byte b) => b is >= 0x21 and < 0x7F ? ((char)b).ToString() : b.ToString(CultureInfo.InvariantCulture);

    [LoggerMessage(1, LogLevel.Information, "node {Node}: distribution port {DistributionPort}, port mapper port {PortMapperPort}{Hidden}")]
    private static partial void NodeLine(ILogger logger, NodeName node, int distributionPort, int portMapperPort, string hidden);

    [LoggerMessage(11, LogLevel.Information, "links: TLS 1.3, this node's certificate {Certificate}, peers' checked against {Authority}; then the cookie")]
    private static partial void TlsLinks(ILogger logger, string certificate, string authority);

    [LoggerMessage(12, LogLevel.Information, "links: plaintext, authenticated by the cookie (--tls turns TLS on)")]
    private static partial void PlaintextLinks(ILogger logger);

    [LoggerMessage(2, LogLevel.Information, "node: none, this process is not distributed (--sname or --name makes it a node)")]
    private static partial void NotANode(ILogger logger);

    [LoggerMessage(3, LogLevel.Information, "text server: {EndPoint} (port: {Source})")]
    private static partial void TextServer(ILogger logger, System.Net.IPEndPoint endPoint, string source);

    [LoggerMessage(4, LogLevel.Information, "text server: none (--eval)")]
    private static partial void NoTextServer(ILogger logger);

    [LoggerMessage(5, LogLevel.Information, "nodes file: none: every bucket is local (no --nodes, and no nodes.json in {Directory})")]
    private static partial void NoNodesFile(ILogger logger, string directory);

    [LoggerMessage(6, LogLevel.Information, "nodes file: {Path}, not used: a process without a node name keeps every bucket local")]
    private static partial void NodesFileUnused(ILogger logger, string path);

    [LoggerMessage(7, LogLevel.Information, "nodes file: {Path}: {Table}")]
    private static partial void NodesFileLine(ILogger logger, string path, string table);

    [LoggerMessage(8, LogLevel.Information, "this node owns {Ranges}")]
    private static partial void Owns(ILogger logger, string ranges);

    [LoggerMessage(9, LogLevel.Warning, "this node owns no range: {Node} is in {Path} but no routing entry names it, so every bucket is another node's")]
    private static partial void OwnsNothing(ILogger logger, NodeName node, string path);

    [LoggerMessage(10, LogLevel.Warning, "this node, {Node}, is none of the nodes {Path} names ({Named}), so it owns no range and the others route nothing to it; {Hint}")]
    private static partial void NotInFile(ILogger logger, NodeName node, string path, string named, string hint);
}

using System.Globalization;
using System.Net;

namespace Kv.Benchmarks.Load;

/// <summary>The server a load runs against: a node this tool started (and stops), or one given with <c>--target</c>.</summary>
internal sealed class LoadTarget : IAsyncDisposable
{
    private static readonly TimeSpan s_startDeadline = TimeSpan.FromSeconds(30);

    private readonly ServerProcess? _started;
    private readonly BenchCluster? _cluster;
    private readonly ServerProcess? _rawOwner;

    private LoadTarget(IPEndPoint endPoint, int? pid, ServerProcess? started, BenchCluster? cluster = null, ServerProcess? rawOwner = null)
    {
        EndPoint = endPoint;
        Pid = pid;
        _started = started;
        _cluster = cluster;
        _rawOwner = rawOwner;
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>The server's process id when known: always for a started node, with <c>--pid</c> for a given one.</summary>
    public int? Pid { get; }

    public string Description => _cluster is not null
        ? $"{EndPoint} (a front node, pid {Pid}, whose nodes.json routes every bucket to {_cluster.OwnerName}, pid {_cluster.Owner.Id})"
        : _rawOwner is not null
            ? $"{EndPoint} (the raw baseline's front, pid {Pid}, linked to its owner, pid {_rawOwner.Id})"
        : _started is { IsRaw: true }
            ? $"{EndPoint} (the raw baseline's server, pid {Pid})"
        : _started is null
            ? $"{EndPoint} (already running{(Pid is null ? "; its RSS is not read without --pid" : $", pid {Pid}")})"
            : $"{EndPoint} (Kv.Server started by this tool, pid {Pid})";

    /// <summary>Starts a node unless <see cref="LoadOptions.Target"/> names one.</summary>
    public static async Task<LoadTarget> AcquireAsync(LoadOptions options, CancellationToken cancellationToken)
    {
        if (options.Target is not null)
        {
            return new LoadTarget(options.Target, options.Pid, started: null);
        }

        if (options.Raw)
        {
            return await StartRawAsync(options.Routed, cancellationToken);
        }

        if (options.Routed)
        {
            var cluster = await BenchCluster.StartAsync(withFront: true, cancellationToken);
            return new LoadTarget(cluster.Front!.EndPoint, cluster.Front.Id, started: null, cluster);
        }

        var server = await ServerProcess.StartAsync(s_startDeadline, cancellationToken);
        return new LoadTarget(server.EndPoint, server.Id, server);
    }

    /// <summary>Starts the raw baseline (<c>rawtext</c>): its local server, or its owner and a front linked to it.</summary>
    private static async Task<LoadTarget> StartRawAsync(bool routed, CancellationToken cancellationToken)
    {
        if (!routed)
        {
            var local = await ServerProcess.StartRawAsync(["local", "0"], s_startDeadline, cancellationToken);
            return new LoadTarget(local.EndPoint, local.Id, local);
        }

        var owner = await ServerProcess.StartRawAsync(["owner", "0"], s_startDeadline, cancellationToken);
        try
        {
            var front = await ServerProcess.StartRawAsync(["front", "0", owner.EndPoint.Port.ToString(CultureInfo.InvariantCulture)], s_startDeadline, cancellationToken);
            return new LoadTarget(front.EndPoint, front.Id, front, rawOwner: owner);
        }
        catch
        {
            await owner.DisposeAsync();
            throw;
        }
    }

    /// <summary>The front's router totals, for a routed load; <see langword="null"/> for any other, or when they cannot be read.</summary>
    public Task<RouterTotals?> ReadRouterTotalsAsync(CancellationToken cancellationToken) =>
        _cluster is null ? Task.FromResult<RouterTotals?>(null) : RouterTotals.ScrapeAsync(_cluster.FrontMetricsPort, cancellationToken);

    /// <summary>The server's RSS in KiB, or <see langword="null"/> when its process is not known.</summary>
    public long? ReadRssKiB() => Pid is int pid ? ProcessMemory.ReadRssKiB(pid) : null;

    public async ValueTask DisposeAsync()
    {
        if (_started is not null)
        {
            await _started.DisposeAsync();
        }

        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        if (_rawOwner is not null)
        {
            await _rawOwner.DisposeAsync();
        }
    }
}

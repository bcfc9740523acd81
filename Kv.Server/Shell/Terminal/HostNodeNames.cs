using System.Net.Sockets;
using Kv.Distribution.PortMapper;

namespace Kv.Server.Shell.Terminal;

/// <summary>
/// The nodes registered with this host's port mapper, as <c>name@host</c>, for Tab completion: asked
/// for again in the background (one request at a time, for at most a second) each time a line is
/// edited, so that completing never waits for the network.
/// </summary>
internal sealed class HostNodeNames(PortMapperOptions options)
{
    /// <summary>The most names kept.</summary>
    public const int MaxNames = 1000;

    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(1);

    private IReadOnlyList<string> _names = [];
    private int _asking;

    /// <summary>The names the last answer gave (none before the first).</summary>
    public IReadOnlyList<string> Names => Volatile.Read(ref _names);

    /// <summary>Asks the port mapper again, unless a request is under way; names are shown with <paramref name="host"/>.</summary>
    public void Refresh(string host)
    {
        if (Interlocked.Exchange(ref _asking, 1) == 0)
        {
            _ = AskAsync(host);
        }
    }

    private async Task AskAsync(string host)
    {
        try
        {
            using var timeout = new CancellationTokenSource(s_timeout);
            var found = await PortMapperClient.NamesAsync(options, timeout.Token);
            Volatile.Write(ref _names, [.. found.Take(MaxNames).Select(n => $"{n.Name}@{host}")]);
        }
        catch (Exception ex) when (ex is PortMapperException or OperationCanceledException or SocketException or IOException)
        {
            // Completion is a convenience: the names from the last answer stay.
        }
        finally
        {
            Volatile.Write(ref _asking, 0);
        }
    }
}

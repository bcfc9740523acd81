using System.Globalization;

namespace Kv.Benchmarks.Load;

/// <summary>
/// A front node's <c>kv.router.*</c> totals, scraped from its <c>--metrics-port</c>: how many calls
/// carried routed commands to the owner, how many commands they carried and how long they took.
/// The difference of two scrapes around a run says how the commands travelled.
/// </summary>
internal sealed record RouterTotals(double Calls, double Operations, double Seconds)
{
    private static readonly HttpClient s_http = new() { Timeout = TimeSpan.FromSeconds(5) };

    /// <summary>Scrapes <c>http://127.0.0.1:<paramref name="port"/>/metrics</c>; <see langword="null"/> when it does not answer or lacks the router's series.</summary>
    public static async Task<RouterTotals?> ScrapeAsync(int port, CancellationToken cancellationToken)
    {
        string scrape;
        try
        {
            scrape = await s_http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"), cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }

        return Sample(scrape, "kv_router_owner_calls_total") is double calls
            && Sample(scrape, "kv_router_owner_operations_total") is double operations
            && Sample(scrape, "kv_router_owner_call_time_seconds_total") is double seconds
            ? new RouterTotals(calls, operations, seconds)
            : null;
    }

    /// <summary>What happened between <paramref name="before"/> and this scrape.</summary>
    public RouterTotals Since(RouterTotals before) => new(Calls - before.Calls, Operations - before.Operations, Seconds - before.Seconds);

    /// <summary>One line for the report: commands per call and the mean call.</summary>
    public string Describe() => Calls > 0
        ? string.Create(CultureInfo.InvariantCulture, $"the front's calls to the owner: {Calls:F0}, {Operations / Calls:F1} commands per call, {Seconds / Calls * 1000:F3} ms per call (send to reply)")
        : "the front made no call to the owner";

    private static double? Sample(string scrape, string name)
    {
        foreach (var line in scrape.Split('\n'))
        {
            if (line.StartsWith(name, StringComparison.Ordinal) && line.Length > name.Length && line[name.Length] is ' ' or '{')
            {
                return double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return null;
    }
}

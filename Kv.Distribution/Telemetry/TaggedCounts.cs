using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace Kv.Distribution.Telemetry;

/// <summary>
/// Counts since the process started, one per value of a tag (errors by kind, dead letters by
/// reason), for an observable counter. The values are the code's own constants, so the set stays
/// small; the known ones are listed up front so that a listener sees them at 0.
/// </summary>
internal sealed class TaggedCounts(string tag, params string[] known)
{
    private readonly ConcurrentDictionary<string, StrongBox<long>> _counts =
        new(known.Select(value => KeyValuePair.Create(value, new StrongBox<long>())), StringComparer.Ordinal);

    /// <summary>Adds <paramref name="count"/> to the count of <paramref name="value"/>.</summary>
    public void Add(string value, long count = 1) =>
        Interlocked.Add(ref _counts.GetOrAdd(value, static _ => new StrongBox<long>()).Value, count);

    /// <summary>The count of <paramref name="value"/> now.</summary>
    public long this[string value] => _counts.TryGetValue(value, out var box) ? Interlocked.Read(ref box.Value) : 0;

    /// <summary>One measurement per value, tagged with it, for the instrument's callback.</summary>
    public IEnumerable<Measurement<long>> Measurements() =>
        _counts.Select(pair => new Measurement<long>(Interlocked.Read(ref pair.Value.Value), new KeyValuePair<string, object?>(tag, pair.Key)));
}

using System.Numerics;

namespace Kv.Benchmarks.Load;

/// <summary>
/// A log-linear histogram of latencies in nanoseconds, allocated once: exact below 64 ns, then 32
/// sub-buckets per power of two (at most about 3 % wide) up to about 18 minutes.
/// </summary>
/// <remarks>Recording is O(1) and allocation-free. One loop owns a histogram; merge them after the run.</remarks>
internal sealed class LatencyHistogram
{
    private const int SubBucketBits = 5;
    private const int SubBuckets = 1 << SubBucketBits;
    private const int ExactBelow = 2 * SubBuckets;
    private const int MaxMsb = 40;
    private const long MaxValue = (1L << (MaxMsb + 1)) - 1;
    private const int BucketCount = ExactBelow + ((MaxMsb - SubBucketBits) * SubBuckets);

    private readonly long[] _counts = new long[BucketCount];

    public long Count { get; private set; }

    public long Max { get; private set; }

    /// <summary>Records one latency of <paramref name="nanoseconds"/>.</summary>
    public void Record(long nanoseconds)
    {
        var value = Math.Clamp(nanoseconds, 0, MaxValue);
        _counts[IndexOf(value)]++;
        Count++;
        Max = Math.Max(Max, value);
    }

    /// <summary>Adds every recording of <paramref name="other"/> to this histogram.</summary>
    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < BucketCount; i++)
        {
            _counts[i] += other._counts[i];
        }

        Count += other.Count;
        Max = Math.Max(Max, other.Max);
    }

    /// <summary>
    /// The latency, in nanoseconds, that <paramref name="percentile"/> % of recordings do not exceed
    /// (the upper edge of its bucket, never above the maximum); 0 when nothing was recorded.
    /// </summary>
    public long Percentile(double percentile)
    {
        if (Count == 0)
        {
            return 0;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(percentile / 100 * Count));
        long seen = 0;
        for (var i = 0; i < BucketCount; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                return Math.Min(UpperEdge(i), Max);
            }
        }

        return Max;
    }

    private static int IndexOf(long value)
    {
        if (value < ExactBelow)
        {
            return (int)value;
        }

        var msb = 63 - BitOperations.LeadingZeroCount((ulong)value);
        var shift = msb - SubBucketBits;
        var top = (int)(value >> shift);
        return ExactBelow + ((shift - 1) * SubBuckets) + (top - SubBuckets);
    }

    private static long UpperEdge(int index)
    {
        if (index < ExactBelow)
        {
            return index;
        }

        var shift = ((index - ExactBelow) / SubBuckets) + 1;
        var top = ((index - ExactBelow) % SubBuckets) + SubBuckets;
        return ((long)(top + 1) << shift) - 1;
    }
}

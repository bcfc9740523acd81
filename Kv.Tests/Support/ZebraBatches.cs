using System.Text;
using Kv.Core.Buckets;
using Kv.Core.Routing;

namespace Kv.Tests.Support;

/// <summary>Routed batches on bar's bucket <c>zebras</c>, as concurrent clients of foo's text server would send them.</summary>
internal static class ZebraBatches
{
    /// <summary><paramref name="count"/> batches, the i-th holding <paramref name="operationsEach"/> copies of <paramref name="operation"/>(i).</summary>
    public static List<RoutedBatch> Of(Router router, int count, Func<int, (BucketOperation Operation, string Key, string Value)> operation, int operationsEach = 1) =>
        Enumerable.Range(0, count).Select(i =>
        {
            var (op, key, value) = operation(i);
            var batch = new RoutedBatch(router);
            for (var n = 0; n < operationsEach; n++)
            {
                batch.Add(op, "zebras"u8, Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value));
            }

            return batch;
        }).ToList();
}

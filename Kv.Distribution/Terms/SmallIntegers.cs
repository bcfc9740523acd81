namespace Kv.Distribution.Terms;

/// <summary>
/// The boxes of the integers that messages carry most (counters, tags, small ids, -128 to 1023),
/// made once, so that reading one from the wire allocates nothing: a term is an <see cref="object"/>,
/// and a boxed <see cref="long"/> is 24 bytes per message otherwise.
/// </summary>
/// <remarks>
/// A box is immutable, so sharing it is safe; what it costs is that two of these integers read from
/// the wire may be the same object, which no term's meaning depends on (terms compare by value).
/// </remarks>
internal static class SmallIntegers
{
    /// <summary>The smallest integer with a shared box.</summary>
    public const long Min = -128;

    /// <summary>The largest integer with a shared box.</summary>
    public const long Max = 1023;

    private static readonly object[] s_boxes = CreateBoxes();

    /// <summary><paramref name="value"/> boxed: a shared box between <see cref="Min"/> and <see cref="Max"/>, a new one otherwise.</summary>
    public static object Box(long value) => (ulong)(value - Min) <= Max - Min ? s_boxes[value - Min] : value;

    private static object[] CreateBoxes()
    {
        var boxes = new object[Max - Min + 1];
        for (var i = 0; i < boxes.Length; i++)
        {
            boxes[i] = Min + i;
        }

        return boxes;
    }
}

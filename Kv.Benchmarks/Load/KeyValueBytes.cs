using System.Text;

namespace Kv.Benchmarks.Load;

/// <summary>
/// The keys and values the text workloads send, as bytes made once: keys <c>k0</c>..<c>kN-1</c>,
/// and for each (key, version) one value of a fixed size that can be written and checked in place
/// without building it as a string.
/// </summary>
/// <remarks>
/// A value is a run of letters that depends on the key, ending in the version's last decimal
/// digits, zero-padded: the value of key 2, version 7 in 12 bytes is <c>cdefghij0007</c> (its
/// digits take at most 19 bytes). Values hold no white space, so each is one word of the protocol.
/// Immutable, shared by every connection of a run.
/// </remarks>
internal sealed class KeyValueBytes
{
    private const int MaxDigits = 19;
    private const int Letters = 26;

    private readonly byte[][] _keys;
    private readonly byte[] _letters;
    private readonly int _digits;
    private readonly long _versionModulus;

    public KeyValueBytes(int keyCount, int valueSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keyCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(valueSize, 1);
        _keys = new byte[keyCount][];
        for (var i = 0; i < keyCount; i++)
        {
            _keys[i] = Encoding.ASCII.GetBytes($"k{i}");
        }

        ValueSize = valueSize;
        _digits = Math.Min(valueSize, MaxDigits);
        _versionModulus = _digits == MaxDigits ? long.MaxValue : (long)Math.Pow(10, _digits);
        _letters = new byte[valueSize + Letters];
        for (var i = 0; i < _letters.Length; i++)
        {
            _letters[i] = (byte)('a' + (i % Letters));
        }

        MaxKeyLength = _keys.Max(k => k.Length);
    }

    public int KeyCount => _keys.Length;

    public int ValueSize { get; }

    public int MaxKeyLength { get; }

    public ReadOnlySpan<byte> Key(int index) => _keys[index];

    /// <summary>Writes the value of <paramref name="key"/> at <paramref name="version"/> (1 or more) into <paramref name="destination"/>.</summary>
    public void WriteValue(int key, long version, Span<byte> destination)
    {
        var prefix = ValueSize - _digits;
        Prefix(key).CopyTo(destination);
        WriteDigits(version % _versionModulus, destination.Slice(prefix, _digits));
    }

    /// <summary>Whether <paramref name="value"/> is exactly the value of <paramref name="key"/> at <paramref name="version"/>.</summary>
    public bool IsValue(ReadOnlySpan<byte> value, int key, long version)
    {
        if (value.Length != ValueSize || !value.StartsWith(Prefix(key)))
        {
            return false;
        }

        Span<byte> digits = stackalloc byte[MaxDigits];
        digits = digits[.._digits];
        WriteDigits(version % _versionModulus, digits);
        return value[^_digits..].SequenceEqual(digits);
    }

    private ReadOnlySpan<byte> Prefix(int key) => _letters.AsSpan(key % Letters, ValueSize - _digits);

    private static void WriteDigits(long number, Span<byte> destination)
    {
        for (var i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = (byte)('0' + (number % 10));
            number /= 10;
        }
    }
}

using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Kv.Core.Buckets;

/// <summary>
/// A bucket in this process: a concurrent map of string keys to string values.
/// </summary>
/// <remarks>
/// Reads never lock and writes lock only the key's stripe, so any number of threads may use one
/// bucket at once. Values are kept as their UTF-8 bytes, as they travel on the text protocol: about
/// half the memory of a .NET string for ASCII text, and a GET writes them out without encoding.
/// The span and UTF-8 overloads (<see cref="TryGetUtf8"/>, <see cref="PutUtf8"/>,
/// <see cref="TryRemoveUtf8"/>, <see cref="Remove"/>) look keys up without allocating a string,
/// which is what the text server uses on its hot path; the string overloads decode and encode values. A bucket lives until
/// <see cref="Stop"/> or <see cref="Fail"/>; after that every operation throws
/// <see cref="BucketStoppedException"/> and <see cref="Completion"/> tells why it ended.
/// </remarks>
public sealed class Bucket : IBucket
{
    private readonly ConcurrentDictionary<string, byte[]> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte[]>.AlternateLookup<ReadOnlySpan<char>> _bySpan;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.None);
    private volatile bool _stopped;

    /// <summary>Creates an empty, running bucket.</summary>
    /// <param name="name">The bucket's name; not empty.</param>
    public Bucket(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        _bySpan = _entries.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>The number of keys held.</summary>
    public int Count => _entries.Count;

    /// <summary>
    /// Completes when the bucket stops: successfully after <see cref="Stop"/>, faulted with the
    /// failure after <see cref="Fail"/>. Continuations registered with
    /// <see cref="TaskContinuationOptions.ExecuteSynchronously"/> run before <see cref="Stop"/> returns.
    /// </summary>
    public Task Completion => _completion.Task;

    /// <summary>Whether the bucket has stopped or failed.</summary>
    public bool IsStopped => _stopped;

    /// <summary>Gets the value under <paramref name="key"/>; throws <see cref="BucketStoppedException"/> once stopped.</summary>
    public string? Get(string key)
    {
        ThrowIfStopped();
        return _entries.TryGetValue(key, out var value) ? Encoding.UTF8.GetString(value) : null;
    }

    /// <summary>Looks <paramref name="key"/> up by its characters; throws <see cref="BucketStoppedException"/> once stopped.</summary>
    /// <returns><see langword="true"/> when the key is present.</returns>
    public bool TryGet(ReadOnlySpan<char> key, [MaybeNullWhen(false)] out string value)
    {
        ThrowIfStopped();
        var found = _bySpan.TryGetValue(key, out var utf8);
        value = found ? Encoding.UTF8.GetString(utf8!) : null;
        return found;
    }

    /// <summary>
    /// Looks <paramref name="key"/> up without allocating and gives the value's UTF-8 bytes, which the
    /// caller must not change; throws <see cref="BucketStoppedException"/> once stopped.
    /// </summary>
    /// <returns><see langword="true"/> when the key is present.</returns>
    public bool TryGetUtf8(ReadOnlySpan<char> key, [MaybeNullWhen(false)] out byte[] value)
    {
        ThrowIfStopped();
        return _bySpan.TryGetValue(key, out value);
    }

    /// <summary>Stores <paramref name="value"/> under <paramref name="key"/>; throws <see cref="BucketStoppedException"/> once stopped.</summary>
    public void Put(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        ThrowIfStopped();
        _entries[key] = Encoding.UTF8.GetBytes(value);
    }

    /// <summary>
    /// Stores <paramref name="value"/> under a key given as characters; the key's string is only
    /// allocated when the key is new.
    /// </summary>
    public void Put(ReadOnlySpan<char> key, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        ThrowIfStopped();
        _bySpan[key] = Encoding.UTF8.GetBytes(value);
    }

    /// <summary>Stores a value given as UTF-8 bytes (copied) under a key given as characters.</summary>
    public void PutUtf8(ReadOnlySpan<char> key, ReadOnlySpan<byte> value)
    {
        ThrowIfStopped();
        _bySpan[key] = value.ToArray();
    }

    /// <summary>Removes <paramref name="key"/>, returning the value it had or <see langword="null"/>.</summary>
    public string? Delete(string key)
    {
        ThrowIfStopped();
        return _entries.TryRemove(key, out var value) ? Encoding.UTF8.GetString(value) : null;
    }

    /// <summary>Removes a key given as characters, returning the value it had or <see langword="null"/>.</summary>
    public string? Delete(ReadOnlySpan<char> key)
    {
        ThrowIfStopped();
        return _bySpan.TryRemove(key, out _, out var value) ? Encoding.UTF8.GetString(value) : null;
    }

    /// <summary>Removes a key given as characters without decoding its value.</summary>
    /// <returns><see langword="true"/> when the key was present.</returns>
    public bool Remove(ReadOnlySpan<char> key)
    {
        ThrowIfStopped();
        return _bySpan.TryRemove(key, out _, out _);
    }

    /// <summary>
    /// Removes a key given as characters and gives the UTF-8 bytes of the value it had, without
    /// allocating; throws <see cref="BucketStoppedException"/> once stopped.
    /// </summary>
    /// <returns><see langword="true"/> when the key was present.</returns>
    public bool TryRemoveUtf8(ReadOnlySpan<char> key, [MaybeNullWhen(false)] out byte[] value)
    {
        ThrowIfStopped();
        return _bySpan.TryRemove(key, out _, out value);
    }

    /// <summary>Stops the bucket normally; its data is dropped. Stopping twice does nothing.</summary>
    public void Stop() => End(failure: null);

    /// <summary>Ends the bucket with a failure, as a crashing process would; its data is dropped.</summary>
    public void Fail(Exception failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        End(failure);
    }

    /// <inheritdoc />
    public ValueTask<string?> GetAsync(string key, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Get(key));

    /// <inheritdoc />
    public ValueTask PutAsync(string key, string value, CancellationToken cancellationToken = default)
    {
        Put(key, value);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<string?> DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Delete(key));

    /// <inheritdoc />
    public override string ToString() => $"Bucket({Name})";

    private void End(Exception? failure)
    {
        _stopped = true;
        _entries.Clear();
        if (failure is null)
        {
            _completion.TrySetResult();
        }
        else
        {
            _completion.TrySetException(failure);
        }
    }

    private void ThrowIfStopped()
    {
        if (_stopped)
        {
            Throw(Name);
        }

        [DoesNotReturn]
        static void Throw(string name) => throw new BucketStoppedException(name);
    }
}

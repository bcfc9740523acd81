namespace Kv.Distribution.Tls;

/// <summary>
/// A pass-through stream that remembers the first byte it read: whether a peer answered a TLS
/// client hello with TLS (a handshake or alert record) or with something else, such as a plaintext
/// node's handshake status, which <see cref="System.Net.Security.SslStream"/> reports only as a
/// corrupted frame.
/// </summary>
internal sealed class FirstByteStream(Stream inner) : Stream
{
    private int _firstByte = -1;

    /// <summary>The first byte read, or <see langword="null"/> when nothing was.</summary>
    public byte? FirstByte => _firstByte < 0 ? null : (byte)_firstByte;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _firstByte >= 0
            ? inner.ReadAsync(buffer, cancellationToken) // the link's reads, once the first byte is known: a plain pass-through
            : ReadFirstAsync(buffer, cancellationToken);

    private async ValueTask<int> ReadFirstAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        if (read > 0 && _firstByte < 0)
        {
            _firstByte = buffer.Span[0];
        }

        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = inner.Read(buffer, offset, count);
        if (read > 0 && _firstByte < 0)
        {
            _firstByte = buffer[offset];
        }

        return read;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        await base.DisposeAsync();
    }
}

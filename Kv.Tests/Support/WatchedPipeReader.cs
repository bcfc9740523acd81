using System.IO.Pipelines;
using System.Threading.Channels;

namespace Kv.Tests.Support;

/// <summary>
/// A pipe reader that tells each time one of its reads returns, so that a test can send the next
/// piece of input only once the previous one has been read: input really split across reads, with
/// no sleeping.
/// </summary>
internal sealed class WatchedPipeReader(PipeReader inner) : PipeReader
{
    private readonly Channel<bool> _returned = Channel.CreateUnbounded<bool>();

    /// <summary>Forgets the reads that have returned so far.</summary>
    public void ForgetReads()
    {
        while (_returned.Reader.TryRead(out _))
        {
        }
    }

    /// <summary>Waits for a read to return (or one that returned since <see cref="ForgetReads"/>).</summary>
    public async Task WaitForReadAsync(CancellationToken cancellationToken) => await _returned.Reader.ReadAsync(cancellationToken);

    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        var result = await inner.ReadAsync(cancellationToken);
        _returned.Writer.TryWrite(true);
        return result;
    }

    public override bool TryRead(out ReadResult result) => inner.TryRead(out result);

    public override void AdvanceTo(SequencePosition consumed) => inner.AdvanceTo(consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => inner.AdvanceTo(consumed, examined);

    public override void CancelPendingRead() => inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);
}

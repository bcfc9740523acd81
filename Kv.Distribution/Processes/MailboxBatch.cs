namespace Kv.Distribution.Processes;

/// <summary>
/// Messages that a link's read loop has read for one local process and not yet handed over: a run
/// of messages to the same process goes into its mailbox at once (<see cref="Mailbox.PostRange"/>),
/// with one lock and one wake-up instead of one per message.
/// </summary>
/// <remarks>
/// Used by one read loop only. The loop flushes before it handles any other frame, and at the end
/// of each batch it reads, so a process sees messages and signals in the order they came.
/// </remarks>
internal sealed class MailboxBatch
{
    private const int MaxRetained = 1024;

    private List<object?> _messages = [];
    private LocalProcess? _process;

    /// <summary>Holds <paramref name="message"/> for <paramref name="process"/>, first delivering what is held for another.</summary>
    public void Add(LocalProcess process, object? message)
    {
        if (!ReferenceEquals(process, _process))
        {
            Flush();
            _process = process;
        }

        _messages.Add(message);
    }

    /// <summary>Delivers what is held.</summary>
    public void Flush()
    {
        if (_process is not { } process)
        {
            return;
        }

        if (_messages.Count == 1)
        {
            process.Mailbox.Post(_messages[0]);
        }
        else
        {
            process.Mailbox.PostRange(_messages);
        }

        _process = null;
        if (_messages.Count > MaxRetained)
        {
            _messages = [];
        }
        else
        {
            _messages.Clear();
        }
    }
}

namespace Kv.Distribution.Connections;

/// <summary>A peer sent bytes that break the link protocol; the link is closed.</summary>
public sealed class ProtocolViolationException : Exception
{
    /// <summary>Creates the exception with a message saying what was wrong.</summary>
    public ProtocolViolationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying failure.</summary>
    public ProtocolViolationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a default message.</summary>
    public ProtocolViolationException()
        : base("Protocol violation.")
    {
    }
}

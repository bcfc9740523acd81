namespace Kv.Distribution.Tls;

/// <summary>The TLS settings of a node cannot be used: a file is missing or unreadable, or a certificate does not fit. The message says which and why.</summary>
public sealed class LinkTlsException : Exception
{
    /// <summary>Creates the exception.</summary>
    public LinkTlsException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public LinkTlsException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a default message.</summary>
    public LinkTlsException()
        : base("The TLS settings cannot be used.")
    {
    }
}

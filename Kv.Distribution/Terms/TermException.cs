namespace Kv.Distribution.Terms;

/// <summary>A value cannot be written as a term, or bytes received are not a well-formed term.</summary>
public sealed class TermException : Exception
{
    /// <summary>Creates the exception with a message saying what is wrong.</summary>
    public TermException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying failure.</summary>
    public TermException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a default message.</summary>
    public TermException()
        : base("Malformed term.")
    {
    }
}

namespace Kv.Distribution.Nodes;

/// <summary>
/// The cookie file cannot be used: it is open to others than its owner, empty, or unreadable. The
/// message is one line that names the file and says how to fix it; a host prints it and stops.
/// </summary>
public sealed class CookieFileException : InvalidOperationException
{
    /// <summary>Creates the exception for the cookie file <paramref name="path"/>.</summary>
    public CookieFileException(string path, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Path = path;
    }

    /// <summary>Creates the exception with a default message.</summary>
    public CookieFileException()
        : base("The cookie file cannot be used.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public CookieFileException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying failure.</summary>
    public CookieFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The cookie file; empty when unknown.</summary>
    public string Path { get; } = string.Empty;
}

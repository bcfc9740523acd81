namespace Kv.Distribution.Wire;

/// <summary>A frame's body is over the link's maximum frame length.</summary>
public sealed class FrameTooLargeException : Exception
{
    /// <summary>Creates the exception for a body of <paramref name="length"/> bytes over <paramref name="maxLength"/>.</summary>
    public FrameTooLargeException(long length, int maxLength)
        : base($"A frame of {length} bytes is over the maximum of {maxLength} bytes (NodeOptions.MaxFrameLength).")
    {
        Length = length;
        MaxLength = maxLength;
    }

    /// <summary>Creates the exception with a default message.</summary>
    public FrameTooLargeException()
        : base("A frame is over the maximum length.")
    {
    }

    /// <summary>Creates the exception with a message and the underlying failure.</summary>
    public FrameTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The frame body's length.</summary>
    public long Length { get; }

    /// <summary>The maximum allowed.</summary>
    public int MaxLength { get; }
}

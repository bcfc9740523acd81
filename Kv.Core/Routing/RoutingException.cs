namespace Kv.Core.Routing;

/// <summary>A bucket could not be routed: no table entry holds its first byte, or routing went round in circles.</summary>
public sealed class RoutingException : Exception
{
    /// <summary>Creates the exception with a message naming the bucket and the table.</summary>
    public RoutingException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying failure.</summary>
    public RoutingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a default message.</summary>
    public RoutingException()
        : base("The bucket could not be routed.")
    {
    }
}

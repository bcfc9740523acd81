namespace Kv.Distribution.PortMapper;

/// <summary>Why a port-mapper operation failed.</summary>
public enum PortMapperError
{
    /// <summary>Not a port-mapper failure (an exception made with a caller's message).</summary>
    Unknown = 0,

    /// <summary>A running node on this host already holds the name.</summary>
    NameInUse = 1,

    /// <summary>The port mapper refused a registration that did not come from loopback.</summary>
    NotLoopback = 2,

    /// <summary>The name is empty, longer than 255 bytes, or has a character outside [A-Za-z0-9_-].</summary>
    BadName = 3,

    /// <summary>The port to register is not from 1 to 65535.</summary>
    BadPort = 4,

    /// <summary>No port mapper answered in time, and (when registering) this node could not host one.</summary>
    Unavailable = 5,

    /// <summary>The peer answered with bytes outside the port-mapper protocol.</summary>
    ProtocolError = 6,
}

/// <summary>A port-mapper operation failed; <see cref="Exception.Message"/> says how to fix it.</summary>
public sealed class PortMapperException : Exception
{
    /// <summary>Creates the exception for <paramref name="error"/>.</summary>
    public PortMapperException(PortMapperError error, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Error = error;
    }

    /// <summary>Creates the exception with no particular error.</summary>
    public PortMapperException()
        : base("The port mapper failed.")
    {
    }

    /// <summary>Creates the exception with a message of the caller's.</summary>
    public PortMapperException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception of the caller's.</summary>
    public PortMapperException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Why the operation failed.</summary>
    public PortMapperError Error { get; }

    /// <summary>The exception for a refusal by the port mapper.</summary>
    internal static PortMapperException Refused(RefusalReason reason, string name, int port) => reason switch
    {
        RefusalReason.NameInUse => new(PortMapperError.NameInUse,
            $"A running node on this host is already named '{name}'. Stop that node, or start this one under another name."),
        RefusalReason.NotLoopback => new(PortMapperError.NotLoopback,
            $"The port mapper refused to register '{name}' because the request did not come from loopback. A node registers only with the port mapper of its own host, over 127.0.0.1."),
        RefusalReason.BadName => BadName(name),
        RefusalReason.BadPort => new(PortMapperError.BadPort,
            $"The port mapper refused port {port} for '{name}'. Register the port the node listens on, from 1 to 65535."),
        _ => new(PortMapperError.ProtocolError,
            $"The port mapper refused to register '{name}' for reason {(byte)reason}, which this version does not know. Run the same kv version on every node of this host."),
    };

    /// <summary>The exception for a name that can never be registered.</summary>
    internal static PortMapperException BadName(string? name) => new(PortMapperError.BadName,
        $"'{name}' is not a valid node name. Use 1 to 255 characters, each a letter, a digit, '_' or '-'.");
}

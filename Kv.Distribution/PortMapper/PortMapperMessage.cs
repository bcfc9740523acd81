namespace Kv.Distribution.PortMapper;

/// <summary>
/// The first byte of every port-mapper message. Requests are below 0x80, replies from 0x80 up.
/// Values are part of the wire format (PROTOCOL.md, "Port mapper"): never change or reuse one.
/// </summary>
internal enum PortMapperTag : byte
{
    /// <summary>Request: [name][u16 port]; the connection then holds the registration.</summary>
    Register = 0x01,

    /// <summary>Request: [name].</summary>
    Lookup = 0x02,

    /// <summary>Request: no payload.</summary>
    Names = 0x03,

    /// <summary>Reply to <see cref="Register"/>: no payload.</summary>
    RegisterOk = 0x81,

    /// <summary>Reply to <see cref="Register"/>: [u8 reason].</summary>
    RegisterRefused = 0x82,

    /// <summary>Reply to <see cref="Lookup"/>: [u16 port].</summary>
    Port = 0x83,

    /// <summary>Reply to <see cref="Lookup"/>: no payload.</summary>
    NotFound = 0x84,

    /// <summary>One entry of the reply to <see cref="Names"/>: [name][u16 port].</summary>
    Name = 0x85,

    /// <summary>Ends the reply to <see cref="Names"/>: no payload.</summary>
    NamesEnd = 0x86,
}

/// <summary>Why a Register was refused: the reason byte of RegisterRefused. Append-only.</summary>
internal enum RefusalReason : byte
{
    /// <summary>A live connection already holds the name.</summary>
    NameInUse = 1,

    /// <summary>The request came from an address that is not loopback.</summary>
    NotLoopback = 2,

    /// <summary>The name is empty, too long, or has a character outside [A-Za-z0-9_-].</summary>
    BadName = 3,

    /// <summary>The port is 0.</summary>
    BadPort = 4,
}

/// <summary>One decoded message; which fields mean something depends on <see cref="Tag"/>.</summary>
internal readonly record struct PortMapperMessage(PortMapperTag Tag, string Name, int Port, RefusalReason Reason);

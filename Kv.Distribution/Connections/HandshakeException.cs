namespace Kv.Distribution.Connections;

/// <summary>The steps of the handshake, named after the message each sends or receives.</summary>
public enum HandshakeStep
{
    /// <summary>On a link with TLS (<see cref="Tls.LinkTls"/>), the TLS handshake, before any of the steps below: both certificates are checked.</summary>
    Tls,

    /// <summary>The initiator sends its name, version, flags and creation.</summary>
    SendName,

    /// <summary>The acceptor reads them.</summary>
    RecvName,

    /// <summary>The acceptor says whether it will go on (<c>ok</c>) or why not.</summary>
    SendStatus,

    /// <summary>The initiator reads that.</summary>
    RecvStatus,

    /// <summary>The acceptor sends its name, creation and a fresh challenge.</summary>
    SendChallenge,

    /// <summary>The initiator reads them.</summary>
    RecvChallenge,

    /// <summary>The initiator proves the cookie over the acceptor's challenge and sends its own challenge.</summary>
    SendChallengeReply,

    /// <summary>The acceptor checks that proof.</summary>
    RecvChallengeReply,

    /// <summary>The acceptor proves the cookie over the initiator's challenge.</summary>
    SendChallengeAck,

    /// <summary>The initiator checks that proof.</summary>
    RecvChallengeAck,
}

/// <summary>Why a handshake failed.</summary>
public enum HandshakeFailure
{
    /// <summary>The peer proved a different cookie.</summary>
    BadCookie,

    /// <summary>The peer refused: it is already connected to a node of this name (<c>alive</c>).</summary>
    AlreadyConnected,

    /// <summary>The peer refused because a simultaneous connection in the other direction wins (<c>nok</c>).</summary>
    SimultaneousConnect,

    /// <summary>The peer speaks another protocol version.</summary>
    Version,

    /// <summary>The peer is not the node that was asked for, or is not allowed.</summary>
    NotAllowed,

    /// <summary>A step did not complete within the handshake timeout.</summary>
    Timeout,

    /// <summary>The peer closed the connection.</summary>
    Closed,

    /// <summary>The peer sent something that is not the expected handshake message.</summary>
    ProtocolError,

    /// <summary>One side requires TLS on its links and the other runs without it.</summary>
    TlsMismatch,

    /// <summary>A certificate was refused: not signed by the cluster's CA, expired, or not naming its node.</summary>
    Certificate,
}

/// <summary>A handshake failed at <see cref="Step"/> for <see cref="Failure"/>; the connection is closed.</summary>
public sealed class HandshakeException : Exception
{
    /// <summary>Creates the exception.</summary>
    public HandshakeException(HandshakeStep step, HandshakeFailure failure, string detail, Exception? innerException = null)
        : base($"Handshake failed at {step}: {failure} ({detail})", innerException)
    {
        Step = step;
        Failure = failure;
    }

    /// <summary>Creates the exception with a default message.</summary>
    public HandshakeException()
        : base("Handshake failed.")
    {
    }

    /// <summary>Creates the exception with a message and the underlying failure.</summary>
    public HandshakeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The step that failed.</summary>
    public HandshakeStep Step { get; }

    /// <summary>Why it failed.</summary>
    public HandshakeFailure Failure { get; }
}

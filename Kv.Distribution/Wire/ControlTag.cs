namespace Kv.Distribution.Wire;

/// <summary>
/// The first element of every control message (a frame body is a MessagePack array
/// <c>[tag, fields...]</c>). Append-only: a tag, once shipped, never changes meaning (a test pins
/// them). PROTOCOL.md lists each message's fields.
/// </summary>
public enum ControlTag : byte
{
    /// <summary><c>[1, callId, module, function, args]</c>: run an exported function and reply.</summary>
    RpcCall = 1,

    /// <summary><c>[2, callId, outcome, payload]</c>: the result of an <see cref="RpcCall"/>.</summary>
    RpcReply = 2,

    /// <summary><c>[3, [node...]]</c>: the visible nodes the sender is connected to, to form a full mesh.</summary>
    Peers = 3,
}

/// <summary>How an rpc ended on the callee, the <c>outcome</c> field of <see cref="ControlTag.RpcReply"/>.</summary>
public enum RpcOutcome : byte
{
    /// <summary>Payload: the return value.</summary>
    Value = 0,

    /// <summary>Payload: <c>[exception type, message]</c>.</summary>
    Exception = 1,

    /// <summary>Payload: a message: no such exported function.</summary>
    Undefined = 2,

    /// <summary>Payload: a message: the arguments do not fit the function.</summary>
    BadArg = 3,
}

namespace Kv.Distribution.Control;

/// <summary>
/// The first element of every control message (a frame body is a MessagePack array
/// <c>[tag, fields...]</c>). Append-only: a tag, once shipped, never changes meaning (a test pins
/// them). PROTOCOL.md lists each message's fields; each message is one type in this folder that
/// writes and reads it (<see cref="IControlFrame{TSelf}"/>).
/// </summary>
public enum ControlTag : byte
{
    /// <summary><c>[1, callId, module, function, args, groupLeader]</c>: run an exported function and reply; its console output goes to the group leader.</summary>
    RpcCall = 1,

    /// <summary><c>[2, callId, outcome, payload]</c>: the result of an <see cref="RpcCall"/>.</summary>
    RpcReply = 2,

    /// <summary><c>[3, [node...]]</c>: the visible nodes the sender is connected to, to form a full mesh.</summary>
    Peers = 3,

    /// <summary><c>[4, to, message]</c>: a message for a process.</summary>
    Send = 4,

    /// <summary><c>[5, from, name, message]</c>: a message for the process registered under a name.</summary>
    RegSend = 5,

    /// <summary><c>[6, from, to]</c>: link two processes.</summary>
    Link = 6,

    /// <summary><c>[7, from, to]</c>: remove a link.</summary>
    Unlink = 7,

    /// <summary><c>[8, from, to, reason, explicit]</c>: an exit signal (a linked process ended, or exit was called).</summary>
    Exit = 8,

    /// <summary><c>[9, from, to, ref]</c>: from starts monitoring to (a pid, or a name registered on the receiving node).</summary>
    Monitor = 9,

    /// <summary><c>[10, from, to, ref]</c>: from stops monitoring to (a pid or a name).</summary>
    Demonitor = 10,

    /// <summary><c>[11, watcher, pid, ref, reason]</c>: a monitored process ended.</summary>
    Down = 11,

    /// <summary><c>[12, requestId, from, groupLeader, module, function, args, link, monitorRef]</c>: spawn a process running an exported function.</summary>
    SpawnRequest = 12,

    /// <summary><c>[13, requestId, pid | nil, error | nil]</c>: the answer to a <see cref="SpawnRequest"/>.</summary>
    SpawnReply = 13,
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

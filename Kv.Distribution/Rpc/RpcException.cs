namespace Kv.Distribution.Rpc;

/// <summary>Every way a remote call can fail, as <c>:erpc</c> distinguishes them.</summary>
public enum RpcFailure
{
    /// <summary>The function ran and threw; <see cref="RpcException.RemoteType"/> and the message say what.</summary>
    Exception,

    /// <summary>The node does not export that module and function (Erlang's <c>undef</c>).</summary>
    Undefined,

    /// <summary>The arguments do not fit the function's parameters.</summary>
    BadArg,

    /// <summary>No reply within the timeout. The function may or may not have run.</summary>
    Timeout,

    /// <summary>The node could not be reached, or the link broke before the reply. The function may or may not have run.</summary>
    NoConnection,
}

/// <summary>A remote call failed; <see cref="Failure"/> says how.</summary>
public sealed class RpcException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RpcException(RpcFailure failure, string node, string message, string? remoteType = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Failure = failure;
        Node = node;
        RemoteType = remoteType;
    }

    /// <summary>Creates the exception with a default message.</summary>
    public RpcException()
        : base("The remote call failed.")
    {
        Node = string.Empty;
    }

    /// <summary>Creates the exception with a message and the underlying failure.</summary>
    public RpcException(string message, Exception innerException)
        : base(message, innerException)
    {
        Node = string.Empty;
    }

    /// <summary>The failure of a call to a function <paramref name="node"/> does not export.</summary>
    public static RpcException Undefined(string node, string module, string function) =>
        new(RpcFailure.Undefined, node, $"{module}.{function} is undefined on {node}: the node does not export it.");

    /// <summary>How the call failed.</summary>
    public RpcFailure Failure { get; }

    /// <summary>The node that was called.</summary>
    public string Node { get; }

    /// <summary>For <see cref="RpcFailure.Exception"/>: the full name of the exception type thrown on that node.</summary>
    public string? RemoteType { get; }
}

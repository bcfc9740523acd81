using System.Net;
using System.Net.Sockets;

namespace Kv.Server;

/// <summary>Turns a failure to bind a listening port into a <see cref="StartupFailureException"/> that names the port and says how to fix it.</summary>
internal static class ListenFailure
{
    /// <summary>
    /// The startup failure for <paramref name="failure"/>, binding <paramref name="what"/> (<c>the
    /// TCP port</c>) to <paramref name="endPoint"/>, whose port <paramref name="option"/> sets (and
    /// whose address <paramref name="addressOption"/>, when an option does); else <see langword="null"/>
    /// (not a failure an operator can fix by choosing another value).
    /// </summary>
    public static StartupFailureException? Describe(SocketException failure, string what, IPEndPoint endPoint, string option, string? addressOption = null) => failure.SocketErrorCode switch
    {
        SocketError.AddressAlreadyInUse => new(
            $"{what} {endPoint.Port} is already in use on {endPoint.Address}",
            $"another program (or kv node) holds it: pick another with {option}, or 0 for a free one",
            option,
            failure),
        SocketError.AccessDenied => new(
            $"{what} {endPoint.Port} on {endPoint.Address} may not be bound by this user",
            $"ports below 1024 need privileges: pick another with {option}",
            option,
            failure),
        SocketError.AddressNotAvailable => new(
            $"{endPoint.Address} is not an address of this host, so {what} cannot listen there",
            "give one of this host's addresses, or 0.0.0.0 for every interface",
            addressOption,
            failure),
        _ => null,
    };
}

using System.Globalization;
using System.Net;

namespace Kv.Distribution.PortMapper;

/// <summary>Where the port mapper of a host listens, and how long one exchange with it may take.</summary>
/// <remarks>
/// Every node on a host must use the same <see cref="Port"/>: it is how they find the port mapper and
/// each other. Set it for all of them with the <c>KV_PORTMAPPER_PORT</c> environment variable.
/// </remarks>
public sealed class PortMapperOptions
{
    /// <summary>The port used when <c>KV_PORTMAPPER_PORT</c> is not set. Not 4369, which is epmd's.</summary>
    public const int DefaultPort = 4370;

    /// <summary>The environment variable that sets <see cref="Port"/>.</summary>
    public const string PortVariable = "KV_PORTMAPPER_PORT";

    /// <summary>
    /// The port mapper's TCP port: <c>KV_PORTMAPPER_PORT</c> when set, else <see cref="DefaultPort"/>.
    /// 0 (an ephemeral port) only makes sense for a <c>PortMapperServer</c> started on its own, in tests.
    /// </summary>
    /// <exception cref="InvalidOperationException">When creating the options, if <c>KV_PORTMAPPER_PORT</c> is set but is not a port from 1 to 65535.</exception>
    public int Port { get; set; } = ParsePort(Environment.GetEnvironmentVariable(PortVariable));

    /// <summary>
    /// The address the hosted port mapper listens on: every interface by default, so that other
    /// hosts can look names up (only loopback peers may register). It must accept loopback
    /// connections: <see cref="IPAddress.Any"/>, <see cref="IPAddress.IPv6Any"/> (dual mode),
    /// <see cref="IPAddress.Loopback"/> or <see cref="IPAddress.IPv6Loopback"/>.
    /// </summary>
    public IPAddress BindAddress { get; set; } = IPAddress.Any;

    /// <summary>
    /// The longest one exchange may take: a client's connect and reply, and on the server the
    /// time a connection without a registration has to send each whole request.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The options from the environment: the same as <c>new PortMapperOptions()</c>, said explicitly.</summary>
    /// <exception cref="InvalidOperationException"><c>KV_PORTMAPPER_PORT</c> is set but is not a port from 1 to 65535.</exception>
    public static PortMapperOptions FromEnvironment() => new();

    /// <summary>The port a value of <c>KV_PORTMAPPER_PORT</c> names; <see cref="DefaultPort"/> when unset or empty.</summary>
    internal static int ParsePort(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return DefaultPort;
        }

        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > ushort.MaxValue)
        {
            throw new InvalidOperationException(
                $"{PortVariable} is '{value}', which is not a port. Set it to a number from 1 to 65535 (the same for every node on this host), or unset it to use {DefaultPort}.");
        }

        return port;
    }

    /// <summary>The address a local client connects to, to reach the port mapper these options describe.</summary>
    internal IPAddress LoopbackAddress =>
        BindAddress.Equals(IPAddress.IPv6Loopback) ? IPAddress.IPv6Loopback : IPAddress.Loopback;

    /// <summary>Throws unless the options can serve a node on this host.</summary>
    internal void Validate()
    {
        if (Port is < 1 or > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(Port), Port, "The port mapper's port must be from 1 to 65535, the same for every node on this host.");
        }

        if (!(BindAddress.Equals(IPAddress.Any) || BindAddress.Equals(IPAddress.IPv6Any)
            || BindAddress.Equals(IPAddress.Loopback) || BindAddress.Equals(IPAddress.IPv6Loopback)))
        {
            throw new ArgumentException(
                $"The port mapper's bind address {BindAddress} does not take loopback connections, which is how the nodes of this host register. Use 0.0.0.0, ::, 127.0.0.1 or ::1.",
                nameof(BindAddress));
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RequestTimeout, TimeSpan.Zero, nameof(RequestTimeout));
    }
}

using System.Diagnostics.Metrics;
using Kv.Distribution.Telemetry;

namespace Kv.Server.Tcp;

/// <summary>The text server's instruments, on the meter <c>Kv.Server</c>.</summary>
/// <remarks>
/// Every instrument is observable and reads a total this object keeps from its creation (with the
/// server): a listener that attaches at any time sees absolute values (the connections open now,
/// the commands answered since the start), and <see cref="Read"/> gives the same numbers.
/// Recording is an interlocked add, and allocates nothing.
/// </remarks>
internal sealed class ServerMetrics
{
    /// <summary>The meter's name, for listeners such as <c>dotnet-counters</c>.</summary>
    public const string MeterName = "Kv.Server";

    private readonly Meter _meter;
    private long _connections;
    private long _commands;
    private long _rejectedLines;
    private long _refusedConnections;
    private long _idleTimeouts;
    private long _protectedModeRefusals;
    private long _authFailures;

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/>.</summary>
    public ServerMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _meter.CreateObservableUpDownCounter("kv.server.connections", () => Interlocked.Read(ref _connections), "{connection}", "Open client connections.");
        _meter.CreateObservableCounter("kv.server.commands", () => Interlocked.Read(ref _commands), "{command}", "Request lines answered.");
        _meter.CreateObservableCounter("kv.server.rejected_lines", () => Interlocked.Read(ref _rejectedLines), "{line}", "Request lines refused: not a command, a key, bucket name or value over its limit, a command before AUTH, or a line over the maximum length (then closed).");
        _meter.CreateObservableCounter("kv.server.refused_connections", () => Interlocked.Read(ref _refusedConnections), "{connection}", "Connections refused because max clients were connected: answered ERROR max clients reached, then closed.");
        _meter.CreateObservableCounter("kv.server.protected_mode_refusals", () => Interlocked.Read(ref _protectedModeRefusals), "{connection}", "Connections from other hosts refused because the server has no password and protected mode is on.");
        _meter.CreateObservableCounter("kv.server.auth_failures", () => Interlocked.Read(ref _authFailures), "{command}", "AUTH commands with a wrong password.");
        _meter.CreateObservableCounter("kv.server.idle_timeouts", () => Interlocked.Read(ref _idleTimeouts), "{connection}", "Connections closed by the server because the client was idle for longer than the timeout.");
    }

    /// <summary>Every instrument's value now: the numbers a metrics listener reads.</summary>
    public IReadOnlyList<MetricReading> Read() => MeterReader.Read(_meter);

    /// <summary>A client connected.</summary>
    public void Connected() => Interlocked.Increment(ref _connections);

    /// <summary>A client's connection ended.</summary>
    public void Disconnected() => Interlocked.Decrement(ref _connections);

    /// <summary><paramref name="count"/> request lines were answered.</summary>
    public void Answered(int count)
    {
        if (count > 0)
        {
            Interlocked.Add(ref _commands, count);
        }
    }

    /// <summary>A request line was rejected: not a command, or too long.</summary>
    public void Rejected() => Interlocked.Increment(ref _rejectedLines);

    /// <summary>A connection was refused: max clients were connected.</summary>
    public void Refused() => Interlocked.Increment(ref _refusedConnections);

    /// <summary>A connection was closed: its client was idle for longer than the timeout.</summary>
    public void IdleClosed() => Interlocked.Increment(ref _idleTimeouts);

    /// <summary>A connection from another host was refused by protected mode.</summary>
    public void ProtectedModeRefused() => Interlocked.Increment(ref _protectedModeRefusals);

    /// <summary>An <c>AUTH</c> gave a wrong password.</summary>
    public void AuthFailed() => Interlocked.Increment(ref _authFailures);
}

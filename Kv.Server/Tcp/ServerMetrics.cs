using System.Diagnostics.Metrics;

namespace Kv.Server.Tcp;

/// <summary>The text server's instruments, on the meter <c>Kv.Server</c>.</summary>
internal sealed class ServerMetrics
{
    /// <summary>The meter's name, for listeners such as <c>dotnet-counters</c>.</summary>
    public const string MeterName = "Kv.Server";

    private readonly UpDownCounter<long> _connections;
    private readonly Counter<long> _commands;
    private readonly Counter<long> _rejectedLines;
    private readonly Counter<long> _refusedConnections;
    private readonly Counter<long> _idleTimeouts;
    private readonly Counter<long> _protectedModeRefusals;
    private readonly Counter<long> _authFailures;

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/>.</summary>
    public ServerMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _connections = meter.CreateUpDownCounter<long>("kv.server.connections", "{connection}", "Open client connections.");
        _commands = meter.CreateCounter<long>("kv.server.commands", "{command}", "Request lines answered.");
        _rejectedLines = meter.CreateCounter<long>("kv.server.rejected_lines", "{line}", "Request lines rejected: answered UNKNOWN COMMAND, or over the maximum length (ERROR, then closed).");
        _refusedConnections = meter.CreateCounter<long>("kv.server.refused_connections", "{connection}", "Connections refused because max clients were connected: answered ERROR max clients reached, then closed.");
        _protectedModeRefusals = meter.CreateCounter<long>("kv.server.protected_mode_refusals", "{connection}", "Connections from other hosts refused because the server has no password and protected mode is on.");
        _authFailures = meter.CreateCounter<long>("kv.server.auth_failures", "{command}", "AUTH commands with a wrong password.");
        _idleTimeouts = meter.CreateCounter<long>("kv.server.idle_timeouts", "{connection}", "Connections closed by the server because the client was idle for longer than the timeout.");
    }

    /// <summary>A client connected.</summary>
    public void Connected() => _connections.Add(1);

    /// <summary>A client's connection ended.</summary>
    public void Disconnected() => _connections.Add(-1);

    /// <summary><paramref name="count"/> request lines were answered.</summary>
    public void Answered(int count) => _commands.Add(count);

    /// <summary>A request line was rejected: not a command, or too long.</summary>
    public void Rejected() => _rejectedLines.Add(1);

    /// <summary>A connection was refused: max clients were connected.</summary>
    public void Refused() => _refusedConnections.Add(1);

    /// <summary>A connection was closed: its client was idle for longer than the timeout.</summary>
    public void IdleClosed() => _idleTimeouts.Add(1);

    /// <summary>A connection from another host was refused by protected mode.</summary>
    public void ProtectedModeRefused() => _protectedModeRefusals.Add(1);

    /// <summary>An <c>AUTH</c> gave a wrong password.</summary>
    public void AuthFailed() => _authFailures.Add(1);
}

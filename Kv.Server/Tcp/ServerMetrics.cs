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

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/>.</summary>
    public ServerMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _connections = meter.CreateUpDownCounter<long>("kv.server.connections", "{connection}", "Open client connections.");
        _commands = meter.CreateCounter<long>("kv.server.commands", "{command}", "Request lines answered.");
        _rejectedLines = meter.CreateCounter<long>("kv.server.rejected_lines", "{line}", "Request lines rejected: answered UNKNOWN COMMAND, or over the maximum length (ERROR, then closed).");
    }

    /// <summary>A client connected.</summary>
    public void Connected() => _connections.Add(1);

    /// <summary>A client's connection ended.</summary>
    public void Disconnected() => _connections.Add(-1);

    /// <summary><paramref name="count"/> request lines were answered.</summary>
    public void Answered(int count) => _commands.Add(count);

    /// <summary>A request line was rejected: not a command, or too long.</summary>
    public void Rejected() => _rejectedLines.Add(1);
}

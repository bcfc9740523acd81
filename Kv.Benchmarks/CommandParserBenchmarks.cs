using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using Kv.Server.Protocol;

namespace Kv.Benchmarks;

/// <summary>
/// The text protocol's request parsing, alone and behind the line reader over a pipelined buffer,
/// as a session sees it. Budget: 0 B per parsed command.
/// </summary>
[MemoryDiagnoser]
public class CommandParserBenchmarks
{
    private const int PipelinedRequests = 16;
    private const int MaxLineLength = 64 * 1024;

    // Lines as LineReader hands them over: without the \n, with the \r still there.
    private readonly byte[] _getLine = "GET shopping milk\r"u8.ToArray();
    private readonly byte[] _putLine = Encoding.ASCII.GetBytes($"PUT shopping milk {new string('v', 100)}\r");
    private readonly byte[] _pipelined = BuildPipelined();

    [Benchmark]
    public int ParseGet() => Parse(_getLine);

    [Benchmark]
    public int ParsePut100() => Parse(_putLine);

    /// <summary>Sixteen requests (GET and PUT alternating) that arrived in one read.</summary>
    [Benchmark(OperationsPerInvoke = PipelinedRequests)]
    public int ReadAndParsePipelined16()
    {
        var buffer = new ReadOnlySequence<byte>(_pipelined);
        var total = 0;
        while (LineReader.TryReadLine(ref buffer, MaxLineLength, out var line) == LineStatus.Line)
        {
            total += Parse(line.FirstSpan);
        }

        return total;
    }

    private static int Parse(ReadOnlySpan<byte> line) =>
        CommandParser.TryParse(line, out var command) ? (int)command.Operation + command.Key.Length + command.Value.Length : -1;

    private static byte[] BuildPipelined()
    {
        var requests = new StringBuilder();
        for (var i = 0; i < PipelinedRequests; i++)
        {
            requests.Append(i % 2 == 0
                ? $"PUT shopping key{i} {new string('v', 100)}\r\n"
                : $"GET shopping key{i - 1}\r\n");
        }

        return Encoding.ASCII.GetBytes(requests.ToString());
    }
}

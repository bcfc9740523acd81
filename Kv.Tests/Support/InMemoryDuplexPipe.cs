using System.IO.Pipelines;

namespace Kv.Tests.Support;

/// <summary>
/// One end of an in-memory connection, standing in for a socket as Kestrel's in-memory test
/// transport does: what one end writes to its <see cref="Output"/>, the other reads from its
/// <see cref="Input"/>. Completing an end's output is the other end's end of stream. The server's
/// end counts its flushes and tells when a read returns.
/// </summary>
internal sealed class InMemoryDuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
{
    public PipeReader Input { get; } = input;

    public PipeWriter Output { get; } = output;

    /// <summary>Two ends joined by a pipe each way: the server's and the client's.</summary>
    public static (InMemoryDuplexPipe Server, InMemoryDuplexPipe Client) CreatePair()
    {
        var toServer = new Pipe();
        var toClient = new Pipe();
        var server = new InMemoryDuplexPipe(new WatchedPipeReader(toServer.Reader), new CountingPipeWriter(toClient.Writer));
        return (server, new InMemoryDuplexPipe(toClient.Reader, toServer.Writer));
    }

    /// <summary>How many times this end's output was flushed (the server's end counts them).</summary>
    public int Flushes => ((CountingPipeWriter)Output).Flushes;

    /// <summary>How this end's reads are watched (the server's end is).</summary>
    public WatchedPipeReader Reads => (WatchedPipeReader)Input;
}

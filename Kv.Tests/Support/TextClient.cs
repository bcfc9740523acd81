using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Kv.Tests.Support;

/// <summary>
/// A test client of the text protocol over a real socket. Every read has a deadline, and every
/// reply line must end in exactly <c>\r\n</c>.
/// </summary>
internal sealed class TextClient : IAsyncDisposable
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private TextClient(Socket socket) => _socket = socket;

    /// <summary>Connects to <paramref name="endPoint"/>, from <paramref name="local"/> when given (an address of this machine to leave from).</summary>
    public static async Task<TextClient> ConnectAsync(IPEndPoint endPoint, IPEndPoint? local = null)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (local is not null)
            {
                socket.Bind(local);
            }

            await socket.ConnectAsync(endPoint, TestContext.Current.CancellationToken);
            return new TextClient(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        var sent = 0;
        while (sent < bytes.Length)
        {
            sent += await _socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Sends one request line and returns its first reply line.</summary>
    public async Task<string> CommandAsync(string line)
    {
        await SendAsync(line + "\r\n");
        return await ReadLineAsync();
    }

    /// <summary>Reads one reply line, without its <c>\r\n</c>.</summary>
    public async Task<string> ReadLineAsync()
    {
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                Assert.True(newline > _start && _buffer[newline - 1] == (byte)'\r', "a reply line must end in \\r\\n");
                var line = Encoding.UTF8.GetString(_buffer, _start, newline - 1 - _start);
                _start = newline + 1;
                return line;
            }

            if (await FillAsync() == 0)
            {
                throw new EndOfStreamException("The server closed the connection before a whole line.");
            }
        }
    }

    /// <summary>Reads exactly as many bytes as <paramref name="expected"/> has and compares them.</summary>
    public async Task ExpectBytesAsync(string expected)
    {
        var bytes = Encoding.UTF8.GetBytes(expected);
        while (_end - _start < bytes.Length)
        {
            if (await FillAsync() == 0)
            {
                break;
            }
        }

        Assert.Equal(expected, Encoding.UTF8.GetString(_buffer, _start, Math.Min(bytes.Length, _end - _start)));
        _start += bytes.Length;
    }

    /// <summary>Waits, within the deadline, for the server to close the connection; fails on unread data.</summary>
    public async Task ExpectClosedAsync()
    {
        Assert.Equal(_start, _end);
        Assert.Equal(0, await FillAsync());
    }

    /// <summary>Closes the socket at once, with a reset, as a client that vanishes does.</summary>
    public void Abort()
    {
        _socket.LingerState = new LingerOption(true, 0);
        _socket.Close();
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<int> FillAsync()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(s_deadline);
        var read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, timeout.Token);
        _end += read;
        return read;
    }
}

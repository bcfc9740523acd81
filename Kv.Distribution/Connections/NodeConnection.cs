using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net.Sockets;
using Kv.Distribution.Nodes;
using Kv.Distribution.Processes;
using Kv.Distribution.Rpc;
using Kv.Distribution.Terms;
using Kv.Distribution.Wire;
using MessagePack;

namespace Kv.Distribution.Connections;

/// <summary>
/// One link to a peer node, after the handshake: a read loop that turns frames into deliveries and
/// a <see cref="FrameOutbox"/> that batches frames into socket writes. The link dies once: the first
/// reason to close it wins, pending calls fail at once with <see cref="RpcFailure.NoConnection"/>,
/// and the node hears of it exactly once.
/// </summary>
internal sealed class NodeConnection : IDisposable
{
    private static readonly StreamPipeReaderOptions s_readerOptions = new(bufferSize: 64 * 1024, minimumReadSize: 4096, leaveOpen: true);

    private readonly Node _node;
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly FrameOutbox _outbox;
    private readonly ConcurrentDictionary<ulong, PendingRequest> _pendingCalls = new();
    private readonly TaskCompletionSource<string> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly MailboxBatch _deliveries = new();
    private long _nextCallId;
    private long _lastRead = Environment.TickCount64;
    private int _closing;

    public NodeConnection(Node node, Socket socket, NetworkStream stream, HandshakeResult peer, bool outbound)
    {
        _node = node;
        _socket = socket;
        _stream = stream;
        Peer = peer.Peer;
        PeerCreation = peer.Creation;
        PeerHidden = peer.Hidden;
        Outbound = outbound;
        _outbox = new FrameOutbox(socket, node.Terms, node.Options.MaxFrameLength, node.Metrics, ex => Close($"send failed: {ex.Message}"));
    }

    public NodeName Peer { get; }

    public uint PeerCreation { get; }

    public bool PeerHidden { get; }

    public bool Outbound { get; }

    /// <summary>Completes with the reason once the link is down.</summary>
    public Task<string> Closed => _closed.Task;

    public bool IsClosed => Volatile.Read(ref _closing) != 0;

    /// <summary>Starts the read loop.</summary>
    public void Start() => _ = ReadLoopAsync();

    /// <summary>Queues a control message; <see langword="false"/> when the link is down.</summary>
    public bool Send<T>(in T content)
        where T : struct, IFrameContent => _outbox.Send(content);

    /// <summary>Calls <paramref name="module"/>.<paramref name="function"/> on the peer and awaits the reply.</summary>
    public Task<object?> CallAsync(string module, string function, object?[] args, Pid? groupLeader, TimeSpan timeout, CancellationToken cancellationToken)
    {
        _node.Metrics.CallSent();
        var pending = new PendingRequest(Environment.TickCount64 + (long)timeout.TotalMilliseconds, module, function);
        return RequestAsync(id => new RpcCallFrame(id, module, function, args, groupLeader), pending, cancellationToken);
    }

    /// <summary>
    /// Sends the frame that <paramref name="request"/> builds around a fresh request id and awaits the
    /// reply that carries it back (<see cref="ControlTag.RpcReply"/> or <see cref="ControlTag.SpawnReply"/>).
    /// The node's sweeper fails it at <see cref="PendingRequest.Deadline"/>.
    /// </summary>
    /// <exception cref="RpcException">Timeout, or NoConnection when the link is or goes down.</exception>
    public async Task<object?> RequestAsync<T>(Func<ulong, T> request, PendingRequest pending, CancellationToken cancellationToken)
        where T : struct, IFrameContent
    {
        var requestId = (ulong)Interlocked.Increment(ref _nextCallId);
        _pendingCalls[requestId] = pending;
        if (IsClosed)
        {
            _pendingCalls.TryRemove(requestId, out _);
            throw NoConnection(_closed.Task.IsCompleted ? _closed.Task.Result : "closing");
        }

        try
        {
            // Posted: the write goes to the pool, behind the continuations of replies that came in the
            // same read, so that the requests they make share it. A lone caller loses nothing (measured).
            if (!_outbox.Post(request(requestId)))
            {
                throw NoConnection("closing");
            }
        }
        catch
        {
            _pendingCalls.TryRemove(requestId, out _);
            throw;
        }

        if (!cancellationToken.CanBeCanceled)
        {
            return await pending.Task;
        }

        await using var registration = cancellationToken.UnsafeRegister(
            static (state, token) =>
            {
                var (connection, id) = ((NodeConnection, ulong))state!;
                if (connection._pendingCalls.TryRemove(id, out var abandoned))
                {
                    abandoned.TrySetCanceled(token);
                }
            },
            (this, requestId));
        return await pending.Task;
    }

    /// <summary>Fails every request whose deadline has passed; called by the node's sweeper.</summary>
    public void ExpireRequests(long now)
    {
        foreach (var (requestId, pending) in _pendingCalls)
        {
            if (pending.Deadline <= now && _pendingCalls.TryRemove(requestId, out _))
            {
                _node.Metrics.Error("rpc_timeout");
                pending.TrySetException(new RpcException(
                    RpcFailure.Timeout,
                    Peer.ToString(),
                    $"{pending.What} on {Peer} did not answer in time; it may or may not have run."));
            }
        }
    }

    /// <summary>Sends a tick when nothing was written lately; closes the link when nothing was read for the tick time.</summary>
    public void CheckTicks(long now, long tickTimeMs)
    {
        var silent = now - Volatile.Read(ref _lastRead);
        if (silent >= tickTimeMs)
        {
            DistributionLog.TickTimeout(_node.Logger, Peer.ToString(), silent, tickTimeMs);
            _node.Metrics.Error("tick_timeout");
            Close($"no frame for {silent} ms (tick time {tickTimeMs} ms)");
            return;
        }

        if (now - _outbox.LastWrite >= tickTimeMs / 4)
        {
            _outbox.SendTick();
        }
    }

    /// <summary>Closes the link for <paramref name="reason"/>; only the first call has an effect.</summary>
    public void Close(string reason)
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0)
        {
            return;
        }

        _outbox.Dispose();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already reset by the peer.
        }

        _socket.Dispose();
        foreach (var callId in _pendingCalls.Keys)
        {
            if (_pendingCalls.TryRemove(callId, out var pending))
            {
                pending.TrySetException(NoConnection(reason));
            }
        }

        _closed.TrySetResult(reason);
        _node.OnConnectionClosed(this, reason);
    }

    /// <summary>Closes the link, as <see cref="Close"/> does.</summary>
    public void Dispose() => Close("disposed");

    private RpcException NoConnection(string reason) =>
        new(RpcFailure.NoConnection, Peer.ToString(), $"The link to {Peer} is down ({reason}); the call may or may not have run.");

    private async Task ReadLoopAsync()
    {
        var input = PipeReader.Create(_stream, s_readerOptions);
        var reason = "closed by the peer";
        try
        {
            while (true)
            {
                var result = await input.ReadAsync();
                var buffer = result.Buffer;
                var received = buffer.Length;
                int frames;
                _outbox.Cork();
                try
                {
                    frames = ReadFrames(ref buffer);
                }
                finally
                {
                    _outbox.Uncork();
                }

                _node.Metrics.Received(frames, received - buffer.Length);
                input.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    if (!buffer.IsEmpty)
                    {
                        reason = $"closed by the peer in the middle of a frame ({buffer.Length} bytes of it received)";
                    }

                    return;
                }
            }
        }
        catch (ProtocolViolationException ex)
        {
            reason = "protocol violation: " + ex.Message;
            _node.Metrics.Error("protocol");
            DistributionLog.ProtocolViolation(_node.Logger, Peer.ToString(), ex.Message);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            reason = ex.InnerException?.Message ?? ex.Message;
        }
        finally
        {
            await input.CompleteAsync();
            Close(reason);
        }
    }

    private int ReadFrames(ref ReadOnlySequence<byte> buffer)
    {
        var frames = 0;
        try
        {
            while (true)
            {
                switch (FrameReader.TryRead(ref buffer, _node.Options.MaxFrameLength, out var body, out var length))
                {
                    case FrameStatus.NeedMoreData:
                        return frames;
                    case FrameStatus.TooLarge:
                        throw new ProtocolViolationException($"a frame of {length} bytes is over the maximum of {_node.Options.MaxFrameLength}");
                }

                frames++;
                Volatile.Write(ref _lastRead, Environment.TickCount64);
                if (!body.IsEmpty)
                {
                    Dispatch(body);
                }
            }
        }
        finally
        {
            // Whatever was read before the end of the batch (or a bad frame) is delivered.
            _deliveries.Flush();
        }
    }

    private void Dispatch(ReadOnlySequence<byte> body)
    {
        try
        {
            var reader = new MessagePackReader(body);
            var fields = reader.ReadArrayHeader();
            var tag = (ControlTag)reader.ReadByte();
            if (tag != ControlTag.Send)
            {
                // Messages read so far reach their process before any other signal does.
                _deliveries.Flush();
            }

            switch (tag)
            {
                case ControlTag.RpcCall when fields == 6:
                    var callId = reader.ReadUInt64();
                    var module = reader.ReadString() ?? string.Empty;
                    var function = reader.ReadString() ?? string.Empty;
                    var args = _node.Terms.ReadArray(ref reader);
                    var groupLeader = ReadOptionalPid(ref reader);
                    _node.ServeCall(this, callId, module, function, args, groupLeader);
                    break;
                case ControlTag.RpcReply when fields == 4:
                    CompleteCall(ref reader);
                    break;
                case ControlTag.Peers when fields == 2:
                    var count = reader.ReadArrayHeader();
                    var peers = new string[count];
                    for (var i = 0; i < count; i++)
                    {
                        peers[i] = reader.ReadString() ?? string.Empty;
                    }

                    _node.OnPeersAnnounced(this, peers);
                    break;
                case ControlTag.Send when fields == 3:
                    var to = ReadPid(ref reader);
                    var message = _node.Terms.Read(ref reader);
                    if (_node.Processes.TryGet(to, out var process))
                    {
                        _deliveries.Add(process, message);
                    }
                    else
                    {
                        _deliveries.Flush();
                        _node.Send(to, message);
                    }

                    break;
                case ControlTag.RegSend when fields == 4:
                    ReadOptionalPid(ref reader);
                    var name = reader.ReadString() ?? string.Empty;
                    _node.OnRegSend(name, _node.Terms.Read(ref reader));
                    break;
                case ControlTag.Link when fields == 3:
                    _node.OnRemoteLink(ReadPid(ref reader), ReadPid(ref reader));
                    break;
                case ControlTag.Unlink when fields == 3:
                    _node.OnRemoteUnlink(ReadPid(ref reader), ReadPid(ref reader));
                    break;
                case ControlTag.Exit when fields == 5:
                    var exitFrom = ReadPid(ref reader);
                    var exitTo = ReadPid(ref reader);
                    var reason = _node.Terms.Read(ref reader);
                    _node.SendExitSignal(exitFrom, exitTo, reason, _node.Terms.Read(ref reader) is true);
                    break;
                case ControlTag.Monitor when fields == 4:
                    var monitorFrom = ReadPid(ref reader);
                    var monitorTarget = ReadTarget(ref reader);
                    _node.OnRemoteMonitor(monitorFrom, monitorTarget, ReadRef(ref reader));
                    break;
                case ControlTag.Demonitor when fields == 4:
                    ReadPid(ref reader);
                    var demonitorTarget = ReadTarget(ref reader);
                    _node.OnRemoteDemonitor(demonitorTarget, ReadRef(ref reader));
                    break;
                case ControlTag.Down when fields == 5:
                    var watcher = ReadPid(ref reader);
                    var downPid = ReadPid(ref reader);
                    var monitor = ReadRef(ref reader);
                    _node.SendDown(watcher, monitor, downPid, _node.Terms.Read(ref reader));
                    break;
                case ControlTag.SpawnRequest when fields == 9:
                    var requestId = reader.ReadUInt64();
                    var spawnFrom = ReadPid(ref reader);
                    var spawnLeader = ReadPid(ref reader);
                    var spawnModule = reader.ReadString() ?? string.Empty;
                    var spawnFunction = reader.ReadString() ?? string.Empty;
                    var spawnArgs = _node.Terms.ReadArray(ref reader);
                    var link = reader.ReadBoolean();
                    var spawnMonitor = _node.Terms.Read(ref reader) as Ref?;
                    _node.OnSpawnRequest(this, requestId, spawnFrom, spawnLeader, spawnModule, spawnFunction, spawnArgs, link, spawnMonitor);
                    break;
                case ControlTag.SpawnReply when fields == 4:
                    CompleteSpawn(ref reader);
                    break;
                default:
                    throw new ProtocolViolationException($"unknown control message {(byte)tag} with {fields} fields");
            }
        }
        catch (Exception ex) when (ex is MessagePackSerializationException or TermException or EndOfStreamException or OverflowException or InvalidOperationException)
        {
            throw new ProtocolViolationException($"a malformed frame ({ex.Message})", ex);
        }
    }

    // Pids and references are read unboxed: a frame's header allocates only the strings in it.
    private Pid ReadPid(ref MessagePackReader reader) =>
        _node.Terms.TryReadPid(ref reader, out var pid, out _) ? pid : throw new ProtocolViolationException("expected a pid");

    private Pid? ReadOptionalPid(ref MessagePackReader reader)
    {
        if (_node.Terms.TryReadPid(ref reader, out var pid, out var other))
        {
            return pid;
        }

        return other is null ? null : throw new ProtocolViolationException("expected a pid or nil");
    }

    private object ReadTarget(ref MessagePackReader reader) => _node.Terms.Read(ref reader) switch
    {
        Pid pid => pid,
        string name => name,
        _ => throw new ProtocolViolationException("expected a pid or a name"),
    };

    private Ref ReadRef(ref MessagePackReader reader) =>
        _node.Terms.TryReadRef(ref reader, out var reference, out _) ? reference : throw new ProtocolViolationException("expected a reference");

    private void CompleteSpawn(ref MessagePackReader reader)
    {
        var requestId = reader.ReadUInt64();
        var pid = ReadOptionalPid(ref reader);
        var error = _node.Terms.Read(ref reader) as string;
        if (!_pendingCalls.TryRemove(requestId, out var pending))
        {
            return;
        }

        if (pid is { } spawned)
        {
            // Before any later frame is read: an exit signal from the new process may be next.
            (pending as SpawnCompletion)?.OnSpawned(spawned);
            pending.TrySetResult(spawned);
        }
        else
        {
            pending.TrySetException(new RpcException(RpcFailure.Undefined, Peer.ToString(), error ?? "spawn failed"));
        }
    }

    private void CompleteCall(ref MessagePackReader reader)
    {
        var callId = reader.ReadUInt64();
        var outcome = (RpcOutcome)reader.ReadByte();
        var payload = _node.Terms.Read(ref reader);
        if (!_pendingCalls.TryRemove(callId, out var pending))
        {
            return; // The caller gave up (timeout) before the reply came.
        }

        switch (outcome)
        {
            case RpcOutcome.Value:
                pending.TrySetResult(payload);
                break;
            case RpcOutcome.Exception when payload is object?[] { Length: 2 } error:
                pending.TrySetException(new RpcException(RpcFailure.Exception, Peer.ToString(), $"{error[1]} (raised by {error[0]} on {Peer})", error[0] as string));
                break;
            case RpcOutcome.Undefined:
                pending.TrySetException(new RpcException(RpcFailure.Undefined, Peer.ToString(), payload as string ?? "undefined function"));
                break;
            case RpcOutcome.BadArg:
                pending.TrySetException(new RpcException(RpcFailure.BadArg, Peer.ToString(), payload as string ?? "bad argument"));
                break;
            default:
                pending.TrySetException(new RpcException(RpcFailure.Exception, Peer.ToString(), $"an rpc reply with unknown outcome {(byte)outcome}"));
                break;
        }
    }
}

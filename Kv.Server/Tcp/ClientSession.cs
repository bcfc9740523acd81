using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Runtime.CompilerServices;
using Kv.Distribution.Support;
using Kv.Server.Protocol;
using Microsoft.Extensions.Logging;

namespace Kv.Server.Tcp;

/// <summary>
/// One client connection over a duplex pipe (a socket's, or an in-memory one in tests): a single
/// async loop that reads request lines, answers them in order and flushes once per received batch,
/// so pipelined requests cost one write.
/// </summary>
/// <remarks>
/// Lines are parsed in place on the receive buffer. Commands on other nodes' buckets in one received
/// batch travel together, one rpc per owner (<see cref="PipelinedReplies"/>), and replies keep the
/// order of requests. A trailing partial
/// line left when the client disconnects is dropped without effect. A line over the limit is
/// answered <c>ERROR</c> and ends the connection (logged as a warning at most as often as
/// <see cref="SessionSettings.LineTooLongWarnings"/> lets through, at Debug otherwise). A key or a
/// value over its limit is answered <c>ERROR key too long</c>, <c>ERROR bucket name too long</c> or <c>ERROR value too large</c>, and
/// the connection stays. Nothing a client sends can end the server. The session completes both
/// pipes when it ends; the transport is the caller's to dispose after that. An
/// <see cref="IdleSweeper"/> may end it through <see cref="CloseIdle"/>.
/// <para>Access (<see cref="ClientAccess"/>): a client that protected mode refuses is answered one
/// <c>ERROR protected mode: ...</c> line and closed before anything is read. With a password, every
/// line but <c>AUTH password</c> is answered <c>ERROR NOAUTH authentication required</c> until an
/// <c>AUTH</c> gives the password; a wrong one is <c>ERROR invalid password</c>, counted and
/// logged (throttled), and the connection stays, as Redis's does. An authenticated client's
/// commands take the same path as on a server without a password: <c>AUTH</c> is looked for only in
/// lines that are not bucket commands.</para>
/// </remarks>
internal sealed class ClientSession(
    IDuplexPipe transport,
    EndPoint? remote,
    CommandRunner runner,
    SessionSettings settings,
    ServerMetrics metrics,
    ILogger logger)
{
    private const int StackLineBytes = 512;
    private const string IdleReason = "idle for longer than the timeout";

    private long _lastActivity = Environment.TickCount64;
    private bool _authenticated = !settings.Access.RequiresPassword;
    private readonly PipelinedReplies _replies = new(runner);

    /// <summary>
    /// When the client last sent something or took its replies, as <see cref="Environment.TickCount64"/>;
    /// <see cref="long.MaxValue"/> while the session waits for another node to answer a command,
    /// which is not idleness. Read from any thread.
    /// </summary>
    public long LastActivity => Volatile.Read(ref _lastActivity);

    /// <summary>
    /// Ends the session as idle: the read or flush it is waiting for, or its next one, returns at
    /// once, canceled; the session then completes its pipes and ends. Nothing else cancels them.
    /// Safe from any thread, and after the session has ended.
    /// </summary>
    public void CloseIdle()
    {
        try
        {
            transport.Input.CancelPendingRead();
            transport.Output.CancelPendingFlush();
        }
        catch (ObjectDisposedException)
        {
            // The session ended meanwhile.
        }
    }

    /// <summary>Serves the client until it disconnects, misbehaves beyond repair or the server stops.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        metrics.Connected();
        ServerLog.ClientConnected(logger, remote);
        var input = transport.Input;
        var output = transport.Output;
        var reason = "closed by the client";
        try
        {
            if (settings.Access.Refuses(remote))
            {
                metrics.ProtectedModeRefused();
                ServerLog.ProtectedModeRefused(logger, settings.ProtectedModeWarnings, remote);
                output.Write(Replies.ProtectedMode);
                await output.FlushAsync(stopping);
                reason = "refused by protected mode";
                return;
            }

            while (true)
            {
                var result = await input.ReadAsync(stopping);
                if (result.IsCanceled)
                {
                    reason = IdleReason;
                    metrics.IdleClosed();
                    return;
                }

                Touch();
                BusyWait.Shared.Touch();
                var buffer = result.Buffer;
                LineStatus status;
                while ((status = AnswerLines(ref buffer, output)) == LineStatus.Line)
                {
                    // Routed commands held as many as they may be: they go before the lines after them.
                    await FlushRoutedAsync(output, stopping);
                }

                input.AdvanceTo(buffer.Start, buffer.End);
                if (_replies.IsHolding)
                {
                    await FlushRoutedAsync(output, stopping);
                }

                if (status == LineStatus.TooLong)
                {
                    metrics.Rejected();
                    output.Write(Replies.Error);
                    await output.FlushAsync(stopping);
                    ServerLog.LineTooLong(logger, settings.LineTooLongWarnings, remote, settings.MaxLineLength);
                    reason = "line too long";
                    return;
                }

                if (output.UnflushedBytes > 0)
                {
                    var flushed = await output.FlushAsync(stopping);
                    if (flushed.IsCanceled)
                    {
                        reason = IdleReason;
                        metrics.IdleClosed();
                        return;
                    }

                    if (flushed.IsCompleted)
                    {
                        return;
                    }

                    Touch();
                }

                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            reason = "server stopping";
        }
        catch (IOException ex)
        {
            reason = ex.InnerException?.Message ?? ex.Message;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            reason = "failed";
            ServerLog.SessionFailed(logger, remote, ex);
        }
        finally
        {
            await input.CompleteAsync();
            try
            {
                await output.CompleteAsync();
            }
            catch (IOException)
            {
                // The client is gone; the replies it did not read go with it.
            }

            metrics.Disconnected();
            ServerLog.ClientDisconnected(logger, remote, reason);
        }
    }

    /// <summary>The client is active now: it sent something, took its replies, or got an answer from another node.</summary>
    private void Touch() => Volatile.Write(ref _lastActivity, Environment.TickCount64);

    /// <summary>Sends the routed commands held so far and writes every held reply, in order, waiting for other nodes' answers.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask FlushRoutedAsync(PipeWriter output, CancellationToken stopping)
    {
        // Waiting for another node is not idleness.
        Volatile.Write(ref _lastActivity, long.MaxValue);
        await _replies.FlushAsync(output, stopping);
        Touch();
    }

    /// <summary>
    /// Answers the whole lines in <paramref name="buffer"/> and leaves the rest in it; stops early,
    /// returning <see cref="LineStatus.Line"/>, when the routed commands held must be flushed first.
    /// </summary>
    private LineStatus AnswerLines(ref ReadOnlySequence<byte> buffer, PipeWriter output)
    {
        var answered = 0;
        LineStatus status;
        while ((status = LineReader.TryReadLine(ref buffer, settings.MaxLineLength, out var line)) == LineStatus.Line)
        {
            answered++;
            Answer(line, _replies.IsHolding ? _replies.Held : output);
            if (_replies.IsFull)
            {
                break;
            }
        }

        metrics.Answered(answered);
        return status;
    }

    private void Answer(in ReadOnlySequence<byte> line, IBufferWriter<byte> output)
    {
        if (line.IsSingleSegment)
        {
            Answer(line.FirstSpan, output);
            return;
        }

        var length = (int)line.Length;
        byte[]? rented = null;
        var copy = length <= StackLineBytes ? stackalloc byte[StackLineBytes] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            line.CopyTo(copy);
            Answer(copy[..length], output);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Answers one line into <paramref name="output"/> (the pipe, or the held replies), or routes it.</summary>
    private void Answer(ReadOnlySpan<byte> line, IBufferWriter<byte> output)
    {
        if (!_authenticated)
        {
            AnswerUnauthenticated(line, output);
            return;
        }

        if (!CommandParser.TryParse(line, out var command))
        {
            if (CommandParser.TryParseAuth(line, out var password))
            {
                Authenticate(password, output);
                return;
            }

            metrics.Rejected();
            output.Write(Replies.UnknownCommand);
            return;
        }

        if (command.Key.Length > settings.MaxKeyBytes)
        {
            metrics.Rejected();
            output.Write(Replies.KeyTooLong);
            return;
        }

        // A bucket's name is a key of the registry: the same bound keeps 100,000 buckets of long names from eating the node.
        if (command.Bucket.Length > settings.MaxKeyBytes)
        {
            metrics.Rejected();
            output.Write(Replies.BucketNameTooLong);
            return;
        }

        if (command.Value.Length > settings.MaxValueBytes)
        {
            metrics.Rejected();
            output.Write(Replies.ValueTooLarge);
            return;
        }

        if (!runner.TryRunHere(command, output))
        {
            _replies.Route(command);
        }
    }

    /// <summary>A line from a client that has not authenticated yet: only <c>AUTH</c> is answered.</summary>
    private void AnswerUnauthenticated(ReadOnlySpan<byte> line, IBufferWriter<byte> output)
    {
        if (CommandParser.TryParseAuth(line, out var password))
        {
            Authenticate(password, output);
            return;
        }

        metrics.Rejected();
        output.Write(Replies.NoAuth);
    }

    /// <summary>
    /// Answers <c>AUTH password</c>: <c>OK</c> and authenticated with the password; else
    /// <c>ERROR invalid password</c> (counted, logged) and the session's state unchanged, or
    /// <c>ERROR AUTH called without any password configured</c> on a server with none.
    /// </summary>
    private void Authenticate(ReadOnlySpan<byte> password, IBufferWriter<byte> output)
    {
        if (!settings.Access.RequiresPassword)
        {
            output.Write(Replies.NoPasswordSet);
            return;
        }

        if (!settings.Access.Accepts(password))
        {
            metrics.AuthFailed();
            ServerLog.AuthFailed(logger, settings.AuthFailureWarnings, remote);
            output.Write(Replies.InvalidPassword);
            return;
        }

        _authenticated = true;
        output.Write(Replies.Ok);
    }
}

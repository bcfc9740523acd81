using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Kv.Distribution;
using Kv.Distribution.Connections;
using Kv.Distribution.Nodes;
using Kv.Distribution.Terms;
using Kv.Distribution.Wire;
using MessagePack;

namespace Kv.Tests.Support;

/// <summary>
/// A peer made of a bare socket: it passes the real handshake, then writes exactly the bytes a test
/// gives it, so that a test decides what the node reads and in which single read.
/// </summary>
internal static class RawPeer
{
    /// <summary>A socket connected to <paramref name="target"/>'s link port, before any handshake.</summary>
    public static async Task<Socket> ConnectAsync(Node target, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        var endPoint = target.ListenEndPoint.Address.Equals(IPAddress.Any) ? new IPEndPoint(IPAddress.Loopback, target.ListenEndPoint.Port) : target.ListenEndPoint;
        await socket.ConnectAsync(endPoint, cancellationToken);
        return socket;
    }

    /// <summary>A raw socket that has passed the real handshake as <c>rogue</c> (creation 7).</summary>
    public static async Task<(Socket Socket, NodeName Name)> HandshakenAsync(TestNodes nodes, Node target, CancellationToken cancellationToken)
    {
        var socket = await ConnectAsync(target, cancellationToken);
        var name = nodes.NameOf("rogue");
        var stream = new NetworkStream(socket, ownsSocket: false);
        var handshake = new Handshake(new HandshakeChannel(stream, TimeSpan.FromSeconds(2)), new HandshakeIdentity(name, 7, false, "secret"));
        await handshake.InitiateAsync(target.Name, cancellationToken);
        await Eventually.TrueAsync(() => target.ConnectedNodes.Contains(name), "the rogue link to be up");
        return (socket, name);
    }

    /// <summary>One frame around <paramref name="body"/>: its length (4 bytes, big-endian), then it.</summary>
    public static byte[] Frame(params byte[] body)
    {
        var frame = new byte[4 + body.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)body.Length);
        body.CopyTo(frame, 4);
        return frame;
    }

    /// <summary>Frames as a node's outbox encodes them, one after the other, for a single write.</summary>
    public static byte[] Frames(params IFrameContent[] contents)
    {
        using var buffer = new FrameBuffer();
        var terms = new TermCodec();
        foreach (var content in contents)
        {
            var start = buffer.BeginFrame();
            var writer = new MessagePackWriter(buffer);
            content.Write(ref writer, terms);
            writer.Flush();
            buffer.EndFrame(start);
        }

        return buffer.WrittenMemory.ToArray();
    }
}

using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Kv.Benchmarks.RawText;

/// <summary>
/// <c>rawtext local PORT</c>, <c>rawtext owner PORT</c>, <c>rawtext front PORT OWNER-PORT</c> (port 0: any free one): the raw
/// baseline of kv's text server, on local buckets or routed through a front to an owner, on
/// loopback, for <c>e2e server --raw [--routed]</c>, which starts it, to load (BENCHMARKS.md, "A raw baseline
/// for the routed text server"). Runs until killed.
/// </summary>
/// <remarks>
/// Hand-rolled on the same sockets as kv (completions inline when the environment says so), with
/// kv's text protocol and its batching (a window of calls, group commit, replies handed out on the
/// link's loop), and none of its node runtime: no terms, no rpc by name, no deadlines, no metrics.
/// Not for use beyond measuring.
/// </remarks>
internal static class RawTextCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length < 2 || !int.TryParse(args[1], CultureInfo.InvariantCulture, out var port))
        {
            await Console.Error.WriteLineAsync("usage: rawtext local PORT | rawtext owner PORT | rawtext front PORT OWNER-PORT");
            return 2;
        }

        var store = new RawStore();
        Func<Socket, Task> serve;
        switch (args[0])
        {
            case "local":
                serve = client => RawLocalServer.ServeAsync(client, store);
                break;
            case "owner":
                serve = link => RawOwner.ServeAsync(link, store);
                break;
            case "front" when args.Length > 2 && int.TryParse(args[2], CultureInfo.InvariantCulture, out var ownerPort):
                var link = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await link.ConnectAsync(new IPEndPoint(IPAddress.Loopback, ownerPort));
                var front = new RawFront(link, window: 2);
                _ = front.ReadRepliesAsync();
                serve = front.ServeAsync;
                break;
            default:
                await Console.Error.WriteLineAsync($"rawtext: '{string.Join(' ', args)}' is not a mode");
                return 2;
        }

        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
        listener.Listen(512);
        Console.WriteLine($"rawtext {args[0]} listening on {listener.LocalEndPoint}");
        while (true)
        {
            var client = await listener.AcceptAsync();
            client.NoDelay = true;
            _ = Task.Run(() => serve(client));
        }
    }
}

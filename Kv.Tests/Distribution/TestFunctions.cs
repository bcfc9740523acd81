using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using Kv.Distribution.Processes;
using Kv.Distribution.Rpc;
using Kv.Distribution.Support;
using Kv.Distribution.Terms;

namespace Kv.Tests.Distribution;

/// <summary>Functions the test nodes export.</summary>
[ExportModule("Test.Functions")]
internal static class TestFunctions
{
    [Export]
    public static long Add(long a, int b) => a + b;

    [Export]
    public static string Fail(string message) => throw new InvalidOperationException(message);

    [Export]
    public static async Task<string> Sleep(int milliseconds)
    {
        await Task.Delay(milliseconds);
        return "slept";
    }

    [Export]
    public static object? Echo(object? value) => value;

    [Export]
    public static object Unsendable() => new Version(1, 2);

    /// <summary>The buffers <see cref="Pooled"/> returned, by their text, for the test to look at after the call.</summary>
    public static ConcurrentDictionary<string, PooledBufferWriter> PooledReplies { get; } = new();

    /// <summary>Returns <paramref name="text"/>'s UTF-8 bytes in a pooled buffer, which the node gives back once sent.</summary>
    [Export]
    public static PooledBufferWriter Pooled(string text)
    {
        var buffer = new PooledBufferWriter();
        buffer.Write(Encoding.UTF8.GetBytes(text));
        PooledReplies[text] = buffer;
        return buffer;
    }

    /// <summary>A process that answers <c>[from, n]</c> with <c>["pong", n]</c>, forever.</summary>
    [Export]
    public static async Task Pong(ProcessContext context)
    {
        while (true)
        {
            if (await context.ReceiveAsync() is object?[] { Length: 2 } ping && ping[0] is Pid from)
            {
                context.Send(from, new object?[] { "pong", ping[1] });
            }
        }
    }

    /// <summary>Writes to its process's console: the output belongs to the node that spawned it.</summary>
    [Export]
    public static void Hello(ProcessContext context, string who)
    {
        context.Out.WriteLine($"hello {who}");
        context.Out.WriteLine("second line");
    }

    /// <summary>Sends <c>1..count</c> to <paramref name="first"/> and <paramref name="second"/> in runs of 7, then crashes.</summary>
    [Export]
    public static Task Burst(ProcessContext context, Pid first, Pid second, long count)
    {
        for (var i = 1L; i <= count; i++)
        {
            context.Send(i / 7 % 2 == 0 ? first : second, i);
        }

        throw new InvalidOperationException("burst over");
    }

    [Export]
    public static Task Crash(ProcessContext context) => throw new InvalidOperationException("crashed on purpose");

    // Not exported: a remote caller must get "undefined".
    public static string Hidden() => "secret";
}

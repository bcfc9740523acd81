using Kv.Server;

// Socket completions run on the runtime's epoll thread instead of hopping to the thread pool (the
// runtime reads this once, when the first socket is made; an operator's own setting wins). The
// node's socket loops only parse and dispatch: process bodies, rpc functions that are not inline
// and awaited replies all run on the thread pool anyway. Measured with 64 clients on this 2-core
// machine: +60-75% text-server throughput (BENCHMARKS.md). The latency a lone client paid for it
// (an idle CPU waking up) is what --busy-wait (BusyWait) takes back.
const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
if (Environment.GetEnvironmentVariable(InlineCompletions) is null)
{
    Environment.SetEnvironmentVariable(InlineCompletions, "1");
}

return await KvHost.RunAsync(args);

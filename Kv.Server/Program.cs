using Kv.Server;

return await KvHost.RunAsync(args);

namespace Kv.Server.Protocol;

/// <summary>A command on a bucket of another node, with its words as strings so that it can be awaited.</summary>
internal sealed record RemoteCommand(CommandKind Kind, string Bucket, string Key, string Value);

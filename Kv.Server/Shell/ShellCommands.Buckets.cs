using System.Text;
using Kv.Core.Buckets;

namespace Kv.Server.Shell;

/// <summary>The bucket verbs: the text server's commands, through the same router.</summary>
internal sealed partial class ShellCommands
{
    private static readonly Kv.Distribution.Terms.Atom s_ok = new("ok");

    /// <summary>
    /// Runs <c>get B K</c>, <c>put B K V</c>, <c>create B</c> or <c>delete B K</c> on the node that owns
    /// the bucket, through <see cref="Kv.Core.Routing.Router.ExecuteAsync(BucketOperation, ReadOnlySpan{byte}, ReadOnlySpan{byte}, ReadOnlySpan{byte}, CancellationToken)"/>
    /// as the text server's <c>CommandRunner</c> does. A GET prints the value (<c>nil</c> for a key
    /// with none), the others <c>:ok</c>; a bucket that does not exist is an error line.
    /// </summary>
    private async Task<ShellResult> BucketAsync(BucketOperation operation, List<string> words, CancellationToken cancellationToken)
    {
        var bucket = ShellArguments.Unquote(words[1]);
        var key = words.Count > 2 ? ShellArguments.Unquote(words[2]) : string.Empty;
        var value = words.Count > 3 ? ShellArguments.Unquote(words[3]) : string.Empty;
        if (bucket.Length == 0)
        {
            return new ShellResult(false, "** a bucket's name is not empty");
        }

        BucketReply reply;
        try
        {
            reply = await router.ExecuteAsync(operation, Encoding.UTF8.GetBytes(bucket), Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value), cancellationToken);
        }
        catch (BucketStoppedException)
        {
            // The bucket stopped on its owner while the command ran there: it no longer exists.
            reply = BucketReply.NotFound;
        }

        if (reply.Status == BucketStatus.NotFound)
        {
            return new ShellResult(false, $"** not found: there is no bucket {TermFormatter.Format(bucket)} (create {bucket} makes it)");
        }

        return operation == BucketOperation.Get
            ? new ShellResult(true, TermFormatter.Format(reply.Value is { } bytes ? Encoding.UTF8.GetString(bytes) : null))
            : new ShellResult(true, TermFormatter.Format(s_ok));
    }
}

using System.Security.Cryptography;

namespace Kv.Distribution.Nodes;

/// <summary>
/// Finds the node's cookie as Erlang does: the <c>--cookie</c> flag, else the <c>KV_COOKIE</c>
/// environment variable, else the file <c>~/.kv.cookie</c>, created with random content and
/// owner-only permissions when it is missing.
/// </summary>
public static class Cookie
{
    /// <summary>The environment variable that holds a cookie.</summary>
    public const string EnvironmentVariable = "KV_COOKIE";

    private const int GeneratedLength = 20;

    /// <summary>The cookie file: <c>~/.kv.cookie</c>.</summary>
    public static string DefaultPath =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kv.cookie");

    /// <summary>Returns the cookie from <paramref name="flag"/>, the environment or the cookie file.</summary>
    /// <exception cref="InvalidOperationException">The cookie file exists but is empty.</exception>
    public static string Resolve(string? flag, string? path = null)
    {
        if (!string.IsNullOrWhiteSpace(flag))
        {
            return flag.Trim();
        }

        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return fromEnvironment.Trim();
        }

        return ReadOrCreate(path ?? DefaultPath);
    }

    /// <summary>Reads the cookie file, creating it (owner read/write only) with a random cookie when missing.</summary>
    public static string ReadOrCreate(string path)
    {
        if (!File.Exists(path))
        {
            var cookie = RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZ", GeneratedLength);
            try
            {
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }

                using var writer = new StreamWriter(path, options);
                writer.Write(cookie);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another node created it first: use theirs.
            }
        }

        var text = File.ReadAllText(path).Trim();
        return text.Length > 0
            ? text
            : throw new InvalidOperationException($"The cookie file {path} is empty; put a secret in it, or pass --cookie.");
    }
}

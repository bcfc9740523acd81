using System.Security.Cryptography;

namespace Kv.Distribution.Nodes;

/// <summary>
/// Finds the node's cookie as Erlang does: the <c>--cookie</c> flag, else the <c>KV_COOKIE</c>
/// environment variable, else the file <c>~/.kv.cookie</c>, created with random content and
/// owner-only permissions when it is missing. As in Erlang, a cookie file that its owner's group or
/// others may access (any of the mode bits 077, on Unix) is refused: anyone who can read it can
/// join the cluster and run code on it.
/// </summary>
public static class Cookie
{
    /// <summary>The environment variable that holds a cookie.</summary>
    public const string EnvironmentVariable = "KV_COOKIE";

    private const int GeneratedLength = 20;

    private const UnixFileMode GroupOrOthers =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>The cookie file: <c>~/.kv.cookie</c>.</summary>
    public static string DefaultPath =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kv.cookie");

    /// <summary>
    /// Returns the cookie from <paramref name="flag"/>, else the environment, else the cookie file
    /// <paramref name="path"/> (<see cref="DefaultPath"/> when <see langword="null"/>; see
    /// <see cref="ReadOrCreate"/>). The file is not looked at when the flag or the environment gives a cookie.
    /// </summary>
    /// <exception cref="CookieFileException">The cookie file is open to group or others, empty, or unreadable.</exception>
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

    /// <summary>
    /// Reads the cookie file, creating it (mode 0600, owner read/write only) with a random cookie
    /// when missing. On Unix an existing file must be accessible by its owner only (0600 or 0400).
    /// </summary>
    /// <exception cref="CookieFileException">
    /// The file is open to group or others (the message names the file, its mode and the <c>chmod</c>
    /// that fixes it), empty, or unreadable.
    /// </exception>
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

        string text;
        try
        {
            CheckOwnerOnly(path);
            text = File.ReadAllText(path).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CookieFileException(path, $"The cookie file {path} cannot be read ({ex.Message}); fix it, or pass --cookie.", ex);
        }

        return text.Length > 0
            ? text
            : throw new CookieFileException(path, $"The cookie file {path} is empty; put a secret in it, or pass --cookie.");
    }

    /// <summary>Refuses a cookie file that group or others may access, as Erlang does ("must be accessible by owner only").</summary>
    private static void CheckOwnerOnly(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var mode = File.GetUnixFileMode(path);
        if ((mode & GroupOrOthers) != 0)
        {
            var octal = Convert.ToString((int)mode, 8).PadLeft(4, '0');
            throw new CookieFileException(
                path,
                $"Cookie file {path} must be accessible by owner only, but its mode is {octal}: run 'chmod 400 {path}' (or pass --cookie).");
        }
    }
}

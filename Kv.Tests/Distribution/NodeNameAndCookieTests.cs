using Kv.Distribution.Nodes;

namespace Kv.Tests.Distribution;

public sealed class NodeNameAndCookieTests
{
    [Theory]
    [InlineData("foo@host", "foo", "host")]
    [InlineData("foo@host.example.com", "foo", "host.example.com")]
    [InlineData("node_1-a@127.0.0.1", "node_1-a", "127.0.0.1")]
    public void Parse_FullNames(string text, string name, string host)
    {
        var parsed = NodeName.Parse(text);

        Assert.Equal((name, host), (parsed.Name, parsed.Host));
        Assert.Equal(text, parsed.ToString());
    }

    [Fact]
    public void Parse_ShortName_UsesThisHost()
    {
        Assert.Equal(NodeName.ShortHostName, NodeName.Parse("foo").Host);
    }

    [Theory]
    [InlineData("")]
    [InlineData("@host")]
    [InlineData("foo@")]
    [InlineData("fo o@host")]
    [InlineData("foo@ho st")]
    [InlineData("f/oo@host")]
    public void Parse_Invalid_SaysWhy(string text)
    {
        Assert.False(NodeName.TryParse(text, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void Cookie_FlagWins()
    {
        Assert.Equal("from-flag", Cookie.Resolve("from-flag", Path.Combine(Path.GetTempPath(), "unused")));
    }

    [Fact]
    public void Cookie_FileIsCreated_OwnerOnly_AndReusedAfterwards()
    {
        var path = Path.Combine(Path.GetTempPath(), $"kv-cookie-{Guid.NewGuid():N}");
        try
        {
            var first = Cookie.ReadOrCreate(path);
            var second = Cookie.ReadOrCreate(path);

            Assert.Equal(first, second);
            Assert.Equal(20, first.Length);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Cookie_EmptyFile_IsAClearError()
    {
        var path = Path.Combine(Path.GetTempPath(), $"kv-cookie-{Guid.NewGuid():N}");
        File.WriteAllText(path, "  ");
        try
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            var error = Assert.Throws<CookieFileException>(() => Cookie.ReadOrCreate(path));
            Assert.Contains("--cookie", error.Message, StringComparison.Ordinal);
            Assert.Equal(path, error.Path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    // Erlang: "Cookie file ... must be accessible by owner only". Any bit of 077 is refused.
    [Theory]
    [InlineData("0644")]
    [InlineData("0640")]
    [InlineData("0604")]
    [InlineData("0660")]
    [InlineData("0620")]
    [InlineData("0602")]
    [InlineData("0610")]
    public void Cookie_FileOpenToGroupOrOthers_IsRefused_NamingTheFileItsModeAndTheFix(string octal)
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("Unix file modes only.");
            return;
        }

        SkipWhenTheEnvironmentHasACookie();
        var path = WriteCookieFile("open-secret", (UnixFileMode)Convert.ToInt32(octal, 8));
        try
        {
            var error = Assert.Throws<CookieFileException>(() => Cookie.Resolve(null, path));

            Assert.Equal($"Cookie file {path} must be accessible by owner only, but its mode is {octal}: run 'chmod 400 {path}' (or pass --cookie).", error.Message);
            Assert.Equal(path, error.Path);
            Assert.DoesNotContain("open-secret", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("0600")]
    [InlineData("0400")]
    public void Cookie_OwnerOnlyFile_IsAccepted(string octal)
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("Unix file modes only.");
            return;
        }

        SkipWhenTheEnvironmentHasACookie();
        var path = WriteCookieFile("owner-secret\n", (UnixFileMode)Convert.ToInt32(octal, 8));
        try
        {
            Assert.Equal("owner-secret", Cookie.Resolve(null, path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Cookie_FromTheFlag_IgnoresAnOpenCookieFile()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("Unix file modes only.");
            return;
        }

        var path = WriteCookieFile("open-secret", (UnixFileMode)Convert.ToInt32("0644", 8));
        try
        {
            Assert.Equal("from-flag", Cookie.Resolve("from-flag", path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>A cookie file in the temp folder with exactly <paramref name="mode"/> (the umask does not apply to chmod).</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static string WriteCookieFile(string content, UnixFileMode mode)
    {
        var path = Path.Combine(Path.GetTempPath(), $"kv-cookie-{Guid.NewGuid():N}");
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, mode);
        return path;
    }

    /// <summary>KV_COOKIE comes before the file in <see cref="Cookie.Resolve"/>: with it set, the file is never read.</summary>
    private static void SkipWhenTheEnvironmentHasACookie() =>
        Assert.SkipWhen(
            !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(Cookie.EnvironmentVariable)),
            $"{Cookie.EnvironmentVariable} is set in this environment, and it wins over the cookie file.");
}

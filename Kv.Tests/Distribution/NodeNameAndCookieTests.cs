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
            var error = Assert.Throws<InvalidOperationException>(() => Cookie.ReadOrCreate(path));
            Assert.Contains("--cookie", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

using System.Net;
using System.Net.Sockets;
using System.Text;
using Kv.Server.Tcp;

namespace Kv.Tests.Server;

/// <summary>Who protected mode serves, and how a password is checked (<see cref="ClientAccess"/>).</summary>
public sealed class ClientAccessTests
{
    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.1.2.3", true)]
    [InlineData("::1", true)]
    [InlineData("::ffff:127.0.0.1", true)]
    [InlineData("::ffff:127.9.9.9", true)]
    [InlineData("10.77.3.1", false)]
    [InlineData("192.168.1.20", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("::ffff:10.0.0.1", false)]
    [InlineData("fe80::1", false)]
    [InlineData("2001:db8::1", false)]
    public void IsLocal_LoopbackOnly(string address, bool local) =>
        Assert.Equal(local, ClientAccess.IsLocal(new IPEndPoint(IPAddress.Parse(address), 50_000)));

    [Fact]
    public void IsLocal_EndPointsThatAreNotIp_AreLocal()
    {
        Assert.True(ClientAccess.IsLocal(null));
        Assert.True(ClientAccess.IsLocal(new UnixDomainSocketEndPoint("/tmp/kv.sock")));
    }

    [Fact]
    public void Refuses_OtherHosts_OnlyInProtectedModeWithoutAPassword()
    {
        var other = new IPEndPoint(IPAddress.Parse("10.0.0.2"), 50_000);
        var local = new IPEndPoint(IPAddress.Loopback, 50_000);

        Assert.True(new ClientAccess(requirePass: null, protectedMode: true).Refuses(other));
        Assert.True(new ClientAccess(requirePass: "", protectedMode: true).Refuses(other));
        Assert.False(new ClientAccess(requirePass: null, protectedMode: true).Refuses(local));
        Assert.False(new ClientAccess(requirePass: null, protectedMode: false).Refuses(other));
        Assert.False(new ClientAccess(requirePass: "s3cret", protectedMode: true).Refuses(other));
    }

    [Theory]
    [InlineData("s3cret", true)]
    [InlineData("s3cre", false)]
    [InlineData("s3cret!", false)]
    [InlineData("S3cret", false)]
    [InlineData("", false)]
    public void Accepts_TheExactPassword(string given, bool accepted) =>
        Assert.Equal(accepted, new ClientAccess("s3cret", protectedMode: true).Accepts(Encoding.UTF8.GetBytes(given)));

    [Fact]
    public void Accepts_Nothing_WithoutAPassword()
    {
        var open = new ClientAccess(requirePass: null, protectedMode: true);

        Assert.False(open.RequiresPassword);
        Assert.False(open.Accepts(""u8));
        Assert.False(open.Accepts("anything"u8));
    }
}

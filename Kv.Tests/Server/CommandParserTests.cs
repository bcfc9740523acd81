using System.Text;
using Kv.Server.Protocol;

namespace Kv.Tests.Server;

public sealed class CommandParserTests
{
    [Theory]
    [InlineData("CREATE shopping", "Create", "shopping", "", "")]
    [InlineData("GET shopping milk", "Get", "shopping", "milk", "")]
    [InlineData("PUT shopping milk 1", "Put", "shopping", "milk", "1")]
    [InlineData("DELETE shopping eggs", "Delete", "shopping", "eggs", "")]
    [InlineData("CREATE shopping\r", "Create", "shopping", "", "")]
    [InlineData("  PUT   shopping \t milk    1  \r", "Put", "shopping", "milk", "1")]
    [InlineData("\tGET\tshopping\tmilk", "Get", "shopping", "milk", "")]
    [InlineData("PUT\vshopping\fmilk 1", "Put", "shopping", "milk", "1")]
    [InlineData("PUT café crème brûlée", "Put", "café", "crème", "brûlée")]
    [InlineData("PUT 買い物 牛乳 1本", "Put", "買い物", "牛乳", "1本")]
    [InlineData("GET b\u00a0k x", "Get", "b\u00a0k", "x", "")]
    [InlineData("PUT shopping milk 0123456789abcdefghijklmnopqrstuvwxyz\r", "Put", "shopping", "milk", "0123456789abcdefghijklmnopqrstuvwxyz")]
    [InlineData("PUT shopping-list-for-the-week milk-from-the-farm-down-the-road 1", "Put", "shopping-list-for-the-week", "milk-from-the-farm-down-the-road", "1")]
    [InlineData("PUT b k 0123456789abcdef\v\f\t ", "Put", "b", "k", "0123456789abcdef")]
    [InlineData("PUT b k 0123456789abcdefg\t", "Put", "b", "k", "0123456789abcdefg")]
    public void TryParse_ValidLine_GivesCommandAndWords(string line, string kind, string bucket, string key, string value)
    {
        Assert.True(CommandParser.TryParse(Encoding.UTF8.GetBytes(line), out var command));

        Assert.Equal(kind, command.Operation.ToString());
        Assert.Equal(bucket, Encoding.UTF8.GetString(command.Bucket));
        Assert.Equal(key, Encoding.UTF8.GetString(command.Key));
        Assert.Equal(value, Encoding.UTF8.GetString(command.Value));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\r")]
    [InlineData("HELLO")]
    [InlineData("HELLO world")]
    [InlineData("create shopping")]
    [InlineData("Get shopping milk")]
    [InlineData("CREATE")]
    [InlineData("CREATE shopping extra")]
    [InlineData("GET shopping")]
    [InlineData("GET shopping milk extra")]
    [InlineData("PUT shopping milk")]
    [InlineData("PUT shopping milk 1 2")]
    [InlineData("DELETE shopping")]
    [InlineData("DELETE shopping milk now")]
    [InlineData("CREATEshopping")]
    [InlineData("PUT a b c d e f g h")]
    [InlineData("PUT shopping milk 0123456789abcdefghijklmnopqrstuvwxyz extra")]
    [InlineData("PUT shopping milk 0123456789abcdefghijklmnopqrstuvwxyz\textra\r")]
    [InlineData("PUT shopping milk 0123456789abcdef\fx")]
    [InlineData("GET shopping-list-for-the-week\vmilk-from-the-farm-down-the-road x")]
    public void TryParse_UnknownOrWrongArity_IsRejected(string line)
    {
        Assert.False(CommandParser.TryParse(Encoding.UTF8.GetBytes(line), out _));
    }

    [Theory]
    [InlineData(new byte[] { 0x50, 0x55, 0x54, 0x20, 0x62, 0x20, 0x6b, 0x20, 0xff })]
    [InlineData(new byte[] { 0x43, 0x52, 0x45, 0x41, 0x54, 0x45, 0x20, 0xc3 })]
    [InlineData(new byte[] { 0x00, 0x01, 0x02, 0xfe, 0xfd })]
    public void TryParse_InvalidUtf8_IsRejected(byte[] line)
    {
        Assert.False(CommandParser.TryParse(line, out _));
    }
}

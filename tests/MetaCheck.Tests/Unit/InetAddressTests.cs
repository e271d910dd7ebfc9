using MetaCheck.Checks.Framework;

namespace MetaCheck.Tests.Unit;

/// <summary>The one address parser: what inet_pton and Go's net.ParseIP take, never inet_aton's shorthands.</summary>
public sealed class InetAddressTests
{
    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1")]
    [InlineData("0.0.0.0", "0.0.0.0")]
    [InlineData("255.255.255.255", "255.255.255.255")]
    [InlineData("::", "::")]
    [InlineData("::1", "::1")]
    [InlineData("2001:db8::1", "2001:db8::1")]
    [InlineData("2001:DB8:0:0:0:0:0:1", "2001:db8::1")]
    [InlineData("::ffff:192.0.2.1", "::ffff:192.0.2.1")]
    public void Real_addresses(string text, string shown)
    {
        InetAddress.TryParse(text, out var address).Should().BeTrue();
        address.ToString().Should().Be(shown);
    }

    [Theory]
    [InlineData("127.1")]
    [InlineData("1.5")]
    [InlineData("1.2.3")]
    [InlineData("2130706433")]
    [InlineData("0x7f.0.0.1")]
    [InlineData("010.0.0.1")]
    [InlineData("256.0.0.1")]
    [InlineData("1.2.3.4.")]
    [InlineData(" 1.2.3.4")]
    [InlineData("::ffff:1.5")]
    [InlineData("fe80::1%eth0")]
    [InlineData("[::1]")]
    [InlineData("1:2:3:4:5:6:7:8:9")]
    [InlineData("localhost")]
    [InlineData("")]
    public void Shorthands_and_other_text_are_not_addresses(string text) =>
        InetAddress.TryParse(text, out _).Should().BeFalse();

    [Theory]
    [InlineData("192.0.2.53", "192.0.2.53:53")]
    [InlineData("192.0.2.53:5353", "192.0.2.53:5353")]
    [InlineData("::1", "[::1]:53")]
    [InlineData("[::1]:5353", "[::1]:5353")]
    public void End_points(string text, string shown)
    {
        InetAddress.TryParseEndPoint(text, 53, out var endpoint).Should().BeTrue();
        endpoint.ToString().Should().Be(shown);
    }

    [Theory]
    [InlineData("1.5:53")]
    [InlineData("127.1:53")]
    [InlineData("::1:5353x")]
    [InlineData("[::1]:0")]
    [InlineData("[::1]:65536")]
    [InlineData("[127.0.0.1]:53")]
    [InlineData("192.0.2.53:")]
    public void Bad_end_points(string text) => InetAddress.TryParseEndPoint(text, 53, out _).Should().BeFalse();

    [Theory]
    [InlineData("10.0.0.0/8", true)]
    [InlineData("2001:db8::/32", true)]
    [InlineData("10.1/16", false)]
    [InlineData("10.0.0.0/33", false)]
    [InlineData("10.0.0.1/8", false)] // host bits set
    public void Networks(string text, bool valid) => InetAddress.TryParseNetwork(text, out _).Should().Be(valid);
}

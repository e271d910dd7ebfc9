using System.Text;
using MetaCheck.Wrappers;

namespace MetaCheck.Tests.Unit;

public sealed class PerfdataTests
{
    [Theory]
    [InlineData("OK: fine | time=0s;1;2;0\n", "OK: fine\n")]
    [InlineData("OK: fine\n", "OK: fine\n")]
    [InlineData("OK: fine | a=1\nlong text\nmore | b=2\nc=3\n", "OK: fine\nlong text\nmore\n")]
    [InlineData("OK: fine\nlong | b=2\nc=3", "OK: fine\nlong\n")]
    [InlineData("no newline | a=1", "no newline\n")]
    [InlineData("", "")]
    public void Strip_drops_what_Nagios_reads_as_performance_data(string output, string expected) =>
        Encoding.UTF8.GetString(Perfdata.Strip(Encoding.UTF8.GetBytes(output))).Should().Be(expected);
}

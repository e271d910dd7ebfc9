using MetaCheck.Core;

namespace MetaCheck.Tests.Unit;

/// <summary>The one escaping every command uses for text from outside (<see cref="Terminal.Printable"/>).</summary>
public sealed class TerminalTests
{
    [Theory]
    [InlineData("\u001b[2J\u0007\r\n\0\u007f\u0085", @"\x1b[2J\x07\x0d\x0a\x00\x7f\x85")]
    [InlineData("a\u202eb\u202ac\u2066d\u2069e\u200ef\u200fg\u061ch", @"a\u202eb\u202ac\u2066d\u2069e\u200ef\u200fg\u061ch")]
    [InlineData("zero\u200bwidth\ufeffbom", @"zero\u200bwidth\ufeffbom")]
    [InlineData("line\u2028para\u2029end", @"line\u2028para\u2029end")]
    public void Controls_format_characters_and_separators_are_escaped(string text, string shown) =>
        Terminal.Printable(text).Should().Be(shown);

    [Theory]
    [InlineData("plain ASCII, tabs aside")]
    [InlineData("日本語 и кириллица, émoji 😀, עברית")]
    [InlineData(@"already\x1bescaped")]
    public void Ordinary_text_stays_as_it_is(string text) => Terminal.Printable(text).Should().Be(text);
}

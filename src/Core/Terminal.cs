using System.Globalization;
using System.Text;

namespace MetaCheck.Core;

/// <summary>
/// Text that came from outside (check output, a peer's bytes, argv, an --identifier, a mute reason,
/// paths, environment values) on its way to a terminal or a one-line status: control characters,
/// Unicode format characters (U+202E and the other bidi controls, zero-width ones) and line separators
/// are shown escaped, so none can move the cursor, retitle the terminal, reorder what is shown or start
/// a line that looks like ours. --json output stays exact: JSON escapes them itself.
/// </summary>
public static class Terminal
{
    public static string Printable(string text)
    {
        if (!text.Any(NeedsEscape)) return text;
        var sb = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (!NeedsEscape(c)) sb.Append(c);
            else if (c < 0x100) sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
            else sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    private static bool NeedsEscape(char c) => char.IsControl(c) || char.GetUnicodeCategory(c) is
        UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
}

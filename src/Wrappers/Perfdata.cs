namespace MetaCheck.Wrappers;

/// <summary>The performance data of a plugin's output, as Nagios and Icinga read it.</summary>
public static class Perfdata
{
    /// <summary>
    /// The output without its performance data: after the first `|` of the first line, and after the
    /// first `|` of the long output, which makes every later line performance data too. A result shown
    /// again for a time nobody measured keeps its text, but must not add points to the server's graphs.
    /// </summary>
    public static byte[] Strip(byte[] output)
    {
        var text = output.AsSpan();
        var kept = new List<byte>(output.Length);
        bool first = true;
        while (text.Length > 0)
        {
            int end = text.IndexOf((byte)'\n');
            var line = end < 0 ? text : text[..end];
            int bar = line.IndexOf((byte)'|');
            if (bar >= 0)
            {
                kept.AddRange(line[..bar].TrimEnd((byte)' '));
                kept.Add((byte)'\n');
                if (!first) break;
            }
            else kept.AddRange(end < 0 ? text : text[..(end + 1)]);
            first = false;
            if (end < 0) break;
            text = text[(end + 1)..];
        }
        return [.. kept];
    }
}

using System.Net;

namespace MetaCheck.Checks.Framework;

/// <summary>What the resolver can be asked for: a DNS name, or nothing at all (a usage error).</summary>
public static class HostName
{
    /// <summary>
    /// At most 253 characters (a trailing dot aside) of dot-separated labels of 1-63 letters, digits,
    /// hyphens and underscores. A name .NET would read as a shorthand address (`0`, `127.1`) is none:
    /// its resolver refuses those, and no original took them as addresses (<see cref="InetAddress"/>).
    /// </summary>
    public static bool IsValid(string name)
    {
        var bare = name.EndsWith('.') ? name[..^1] : name;
        if (bare.Length is 0 or > 253 || IPAddress.TryParse(bare, out _)) return false;
        foreach (var label in bare.Split('.'))
        {
            if (label.Length is 0 or > 63) return false;
            foreach (var c in label)
                if (!char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_') return false;
        }
        return true;
    }
}

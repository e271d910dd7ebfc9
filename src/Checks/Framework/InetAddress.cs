using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace MetaCheck.Checks.Framework;

/// <summary>
/// The one parser of IP address text for every command: a real IPv4 address (four decimal parts 0-255,
/// no leading zeros, as inet_pton and Go's net.ParseIP read it) or a real IPv6 address. IPAddress.TryParse
/// alone also takes the old inet_aton shorthands (`127.1`, `2130706433`, `1.2.3`, `1.5` = 1.0.0.5), which
/// no original accepted as an address.
/// </summary>
public static class InetAddress
{
    public static bool TryParse(string? text, out IPAddress address)
    {
        address = IPAddress.None;
        if (string.IsNullOrEmpty(text)) return false;
        if (text.Contains(':')) return TryParseV6(text, out address);
        if (!IsDottedQuad(text)) return false;
        address = IPAddress.Parse(text);
        return true;
    }

    /// <summary>`192.0.2.53`, `192.0.2.53:5353`, `::1`, `[::1]:5353`; a port must be 1-65535.</summary>
    public static bool TryParseEndPoint(string text, int defaultPort, out IPEndPoint endpoint)
    {
        endpoint = null!;
        if (TryParse(text, out var bare))
        {
            endpoint = new IPEndPoint(bare, defaultPort);
            return true;
        }
        string host, port;
        if (text.StartsWith('['))
        {
            int close = text.IndexOf("]:", StringComparison.Ordinal);
            if (close < 0) return false;
            (host, port) = (text[1..close], text[(close + 2)..]);
            if (!host.Contains(':')) return false;
        }
        else
        {
            int colon = text.LastIndexOf(':');
            if (colon < 0) return false;
            (host, port) = (text[..colon], text[(colon + 1)..]);
            if (host.Contains(':')) return false; // an IPv6 address with a port needs brackets
        }
        if (!TryParse(host, out var address) || port.Length is 0 or > 5 || !port.All(char.IsAsciiDigit)) return false;
        int number = int.Parse(port, CultureInfo.InvariantCulture);
        if (number is < 1 or > 65535) return false;
        endpoint = new IPEndPoint(address, number);
        return true;
    }

    /// <summary>`10.0.0.0/8`, `2001:db8::/32`: a strict address with no host bits set, then a prefix length within its family.</summary>
    public static bool TryParseNetwork(string text, out IPNetwork network)
    {
        network = default;
        int slash = text.IndexOf('/');
        if (slash < 0 || !TryParse(text[..slash], out var address)) return false;
        var length = text[(slash + 1)..];
        int max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (length.Length is 0 or > 3 || !length.All(char.IsAsciiDigit)) return false;
        int prefix = int.Parse(length, CultureInfo.InvariantCulture);
        if (prefix > max) return false;
        var bytes = address.GetAddressBytes();
        for (int bit = prefix; bit < max; bit++)
            if (((bytes[bit / 8] >> (7 - bit % 8)) & 1) != 0) return false; // a host bit: 10.0.0.1/8 is no network
        network = new IPNetwork(address, prefix);
        return true;
    }

    private static bool TryParseV6(string text, out IPAddress address)
    {
        address = IPAddress.None;
        // Only hex digits, colons and an embedded IPv4 tail: no zone (%eth0), brackets or port.
        if (!text.All(c => char.IsAsciiHexDigit(c) || c is ':' or '.')) return false;
        int lastColon = text.LastIndexOf(':');
        if (text.Contains('.') && !IsDottedQuad(text[(lastColon + 1)..])) return false;
        if (!IPAddress.TryParse(text, out var parsed) || parsed.AddressFamily != AddressFamily.InterNetworkV6) return false;
        address = parsed;
        return true;
    }

    private static bool IsDottedQuad(string text)
    {
        var parts = text.Split('.');
        if (parts.Length != 4) return false;
        foreach (var part in parts)
        {
            if (part.Length is 0 or > 3 || !part.All(char.IsAsciiDigit)) return false;
            if (part.Length > 1 && part[0] == '0') return false;
            if (int.Parse(part, CultureInfo.InvariantCulture) > 255) return false;
        }
        return true;
    }
}

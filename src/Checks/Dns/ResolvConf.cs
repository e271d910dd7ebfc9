using System.Globalization;
using System.Net;
using MetaCheck.Checks.Framework;

namespace MetaCheck.Checks.Dns;

/// <summary>The parts of resolv.conf(5) a stub resolver needs.</summary>
public sealed record ResolvConf(IReadOnlyList<IPEndPoint> Servers, IReadOnlyList<string> Search, int Ndots, TimeSpan Timeout, int Attempts)
{
    public static ResolvConf Parse(string text)
    {
        var servers = new List<IPEndPoint>();
        var search = new List<string>();
        int ndots = 1, attempts = 2;
        var timeout = TimeSpan.FromSeconds(5);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Split('#', ';')[0].Trim();
            var words = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (words.Length < 2) continue;
            switch (words[0])
            {
                case "nameserver" when InetAddress.TryParse(words[1], out var address):
                    servers.Add(new IPEndPoint(address, 53));
                    break;
                case "search":
                case "domain":
                    search = words.Skip(1).Select(w => w.TrimEnd('.')).ToList();
                    break;
                case "options":
                    foreach (var option in words.Skip(1))
                    {
                        var (key, value) = option.IndexOf(':') is var i and > 0 ? (option[..i], option[(i + 1)..]) : (option, "");
                        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) continue;
                        switch (key)
                        {
                            case "ndots": ndots = Math.Min(n, 15); break;
                            case "timeout": timeout = TimeSpan.FromSeconds(Math.Clamp(n, 1, 30)); break;
                            case "attempts": attempts = Math.Clamp(n, 1, 5); break;
                        }
                    }
                    break;
            }
        }
        return new ResolvConf(servers, search, ndots, timeout, attempts);
    }
}

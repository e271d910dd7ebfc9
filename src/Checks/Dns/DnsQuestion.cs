using System.Net;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;

namespace MetaCheck.Checks.Dns;

/// <summary>The `--type` values the DNS metric plugins accept, and the name actually asked for.</summary>
public static class DnsQuestion
{
    /// <summary>The words --type and --protocol take (any case), as help and completion list them.</summary>
    public static readonly string[] Types = ["a", "aaaa", "cname", "mx", "ns", "ptr", "soa", "txt"];
    public static readonly string[] Protocols = ["udp", "tcp"];

    /// <summary>a, aaaa, cname, mx, ns, ptr, soa, txt in any case; empty means A.</summary>
    public static DnsType ParseType(string? text) => (text ?? "").Trim().ToUpperInvariant() switch
    {
        "" or "A" => DnsType.A,
        "AAAA" => DnsType.AAAA,
        "CNAME" => DnsType.CNAME,
        "MX" => DnsType.MX,
        "NS" => DnsType.NS,
        "PTR" => DnsType.PTR,
        "SOA" => DnsType.SOA,
        "TXT" => DnsType.TXT,
        _ => throw new UsageException($"--type takes a, aaaa, cname, mx, ns, ptr, soa or txt, got '{Opt.Shorten(text!)}'"),
    };

    /// <summary>For PTR the domain is an address, asked as its in-addr.arpa / ip6.arpa name.</summary>
    public static string NameFor(string domain, DnsType type)
    {
        if (type != DnsType.PTR) return domain;
        if (!InetAddress.TryParse(domain, out var address))
            throw new UsageException($"--type ptr needs an IP address as --domain, got '{Opt.Shorten(domain)}'");
        var bytes = address.GetAddressBytes();
        return bytes.Length == 4
            ? $"{bytes[3]}.{bytes[2]}.{bytes[1]}.{bytes[0]}.in-addr.arpa"
            : string.Join('.', Enumerable.Reverse(bytes).SelectMany(b => new[] { b & 0xF, b >> 4 }).Select(n => n.ToString("x"))) + ".ip6.arpa";
    }

    public static DnsTransport ParseProtocol(string? text) => (text ?? "udp").ToLowerInvariant() switch
    {
        "udp" => DnsTransport.Udp,
        "tcp" => DnsTransport.Tcp,
        _ => throw new UsageException($"--protocol takes udp or tcp, got '{Opt.Shorten(text!)}'"),
    };

    /// <summary>An answer counts when the server said NOERROR and gave at least one record of the asked type.</summary>
    public static IReadOnlyList<DnsRecord> Answers(DnsResponse response, DnsType type) =>
        response.ResponseCode == DnsResponse.NoError ? response.Answers.Where(r => r.Is(type)).ToList() : [];
}

using MetaCheck.Core;

namespace MetaCheck.Checks;

/// <summary>Network-facing plugins (check-tcp, DNS, TLS, HTTP). One line per plugin.</summary>
public static class NetworkCommands
{
    public static IReadOnlyList<CommandInfo> All { get; } =
    [
        new(CheckTcp.CheckTcp.Name, "check a TCP port or Unix socket: connect, send, expect, response time (Mackerel)", CheckTcp.CheckTcp.Main),
        new(CheckDnsRr.CheckDnsRr.Name, "count the A records of a name (kazeburo)", CheckDnsRr.CheckDnsRr.Main),
        new(CheckResolver.CheckResolver.Name, "time the DNS lookup of a name (kazeburo)", CheckResolver.CheckResolver.Main),
        new(DnsLookup.DnsLookup.Name, "DNS response-time percentiles of one server (ryuichi1208)", DnsLookup.DnsLookup.Main),
        new(DnsHealthcheck.DnsHealthcheck.Name, "DNS answer correctness and response time (designed for MetaCheck)", DnsHealthcheck.DnsHealthcheck.Main),
    ];
}

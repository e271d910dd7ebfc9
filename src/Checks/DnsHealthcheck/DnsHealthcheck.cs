using System.Diagnostics;
using System.Net;
using MetaCheck.Checks.Dns;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;

namespace MetaCheck.Checks.DnsHealthcheck;

/// <summary>
/// mackerel-plugin-dns-healthcheck (the original repository is empty; designed here): ask a DNS server
/// one question and graph whether it answered correctly, how fast, and with how many records.
/// </summary>
public static class DnsHealthcheck
{
    public const string Name = "mackerel-plugin-dns-healthcheck";

    public static int Main(string[] args) => Main(args, PluginContext.System());

    public static int Main(string[] args, PluginContext context)
    {
        var server = Opt.Text("--server", "DNS server: IP, IP:port or [IPv6]:port (default: the first nameserver of resolv.conf).", "-s");
        var port = Opt.Int("--port", "Server port when --server has none.", 53, 1, 65535, "-p");
        var domain = Opt.Text("--domain", "Name to ask for (an IP address for --type ptr). Required.", "-d");
        var type = Opt.OneOf("--type", "a, aaaa, cname, mx, ns, ptr, soa or txt (default: a).", DnsQuestion.Types, "-t");
        var expect = Opt.Text("--expect", "The answer must contain this record value (e.g. an address); otherwise success is 0.", "-e");
        var timeout = Opt.Int("--timeout", "Milliseconds to wait for the answer.", 2000, 1, 600_000);
        var protocol = Opt.OneOf("--protocol", "udp or tcp (default: udp).", DnsQuestion.Protocols);
        var prefix = Opt.Text("--metric-key-prefix", "Metric key prefix, to run several instances (default: dns-healthcheck).");
        var definition = Cli.Define(Dialect.GoFlags, Name,
            "DNS health metrics: <prefix>.available.success (1/0), <prefix>.rtt.milliseconds, <prefix>.answers.count.\n" +
            "Example: mackerel-plugin-dns-healthcheck -s 192.0.2.53 -d example.com --expect 192.0.2.10",
            server, port, domain, type, expect, timeout, protocol, prefix);

        GoMackerelPlugin Plugin(System.CommandLine.ParseResult parsed) => Definition(parsed.GetValue(prefix) ?? "dns-healthcheck");

        return Framework.Plugin.GoMetrics(definition, args, context, parsed => Plugin(parsed).Definitions(), parsed =>
        {
            var name = parsed.GetValue(domain) ?? throw new UsageException("--domain is required, e.g. -d example.com");
            var qtype = DnsQuestion.ParseType(parsed.GetValue(type));
            var question = DnsQuestion.NameFor(name, qtype);
            var transport = DnsQuestion.ParseProtocol(parsed.GetValue(protocol));
            var endpoint = Endpoint(parsed.GetValue(server), parsed.GetValue(port), context);
            var values = Probe(endpoint, question, qtype, transport, TimeSpan.FromMilliseconds(parsed.GetValue(timeout)),
                parsed.GetValue(expect), context.Err);
            return Plugin(parsed).Report(values, null, context.NowEpoch);
        });
    }

    public static GoMackerelPlugin Definition(string prefix) => new(Name, prefix,
    [
        new GoGraph("available", "DNS health: answered correctly", "integer", [new("success", "success")]),
        new GoGraph("rtt", "DNS health: response time", "milliseconds", [new("milliseconds", "rtt")]),
        new GoGraph("answers", "DNS health: records in the answer", "integer", [new("count", "records")]),
    ]);

    private static IPEndPoint Endpoint(string? server, int port, PluginContext context)
    {
        try
        {
            if (server is not null) return DnsClient.ParseServer(server, port);
        }
        catch (FormatException e)
        {
            throw new UsageException($"--server: {e.Message}");
        }
        var conf = ResolvConf.Parse(DataSource.ReadText(context.Paths.Etc("resolv.conf")));
        return conf.Servers.Count > 0 ? new IPEndPoint(conf.Servers[0].Address, port)
            : throw new DataSourceException($"{context.Paths.Etc("resolv.conf")} has no nameserver; give --server");
    }

    /// <summary>
    /// success = NOERROR with at least one record of the type (containing --expect when given); rtt only
    /// when the server answered at all; count = records of the type.
    /// </summary>
    public static Dictionary<string, double> Probe(IPEndPoint server, string name, DnsType type, DnsTransport transport,
        TimeSpan timeout, string? expect, TextWriter err)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            var response = DnsClient.Query(server, name, type, timeout, transport);
            var rtt = clock.Elapsed.TotalMilliseconds;
            var records = DnsQuestion.Answers(response, type);
            bool ok = records.Count > 0 && (expect is null || records.Any(r => string.Equals(r.Data, expect, StringComparison.OrdinalIgnoreCase)));
            if (!ok)
                err.WriteLine($"{Name}: {name} {type}: {DnsResponse.CodeName(response.ResponseCode)}, " +
                              (expect is null ? $"{records.Count} records" : $"'{expect}' not among [{string.Join(", ", records.Select(r => r.Data))}]"));
            return new() { ["success"] = ok ? 1 : 0, ["milliseconds"] = Math.Round(rtt, 3), ["count"] = records.Count };
        }
        catch (Exception e) when (e is DnsTimeoutException or DnsFormatException)
        {
            err.WriteLine($"{Name}: {e.Message}");
            return new() { ["success"] = 0, ["count"] = 0 };
        }
    }
}

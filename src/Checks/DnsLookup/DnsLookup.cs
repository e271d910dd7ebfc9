using System.Diagnostics;
using System.Net;
using MetaCheck.Checks.Dns;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;

namespace MetaCheck.Checks.DnsLookup;

/// <summary>
/// ryuichi1208's mackerel-plugin-dns-lookup: ask one server the same question N times (from several
/// workers) and report min/max/avg/p95/p99 of the response times in milliseconds.
/// </summary>
public static class DnsLookup
{
    public const string Name = "mackerel-plugin-dns-lookup";

    public static int Main(string[] args) => Main(args, PluginContext.System());

    public static int Main(string[] args, PluginContext context)
    {
        var server = Opt.Text("--server", "DNS server address (default: 8.8.8.8).", "-s");
        var port = Opt.Int("--port", "Server port.", 53, 1, 65535, "-p");
        var domain = Opt.Text("--domain", "Name to look up (an IP address for --type ptr). Required.", "-d");
        var type = Opt.OneOf("--type", "a, aaaa, cname, mx, ns, ptr, soa or txt (default: a).", DnsQuestion.Types, "-t");
        var count = Opt.Int("--count", "Lookups per worker.", 3, 1, 100_000, "-n");
        var timeout = Opt.Int("--timeout", "Milliseconds to wait for each answer (0: 5000).", 0, 0, 600_000);
        var protocol = Opt.OneOf("--protocol", "udp or tcp (default: udp).", DnsQuestion.Protocols);
        var threads = Opt.Int("--threads", "Concurrent workers.", 1, 1, 64);
        var debug = Opt.Flag("--debug", "Accepted for compatibility; writes nothing (the original printed debug lines among the metrics).");
        var verbose = Opt.Flag("--verbose", "Accepted for compatibility; writes nothing.");
        var definition = Cli.Define(Dialect.GoFlags, Name,
            "DNS response-time metrics (ms): responce.min/max/avg/p95/p99.\nExample: mackerel-plugin-dns-lookup -s 192.0.2.53 -d example.com -n 5",
            server, port, domain, type, count, timeout, protocol, threads, debug, verbose, Opt.Version());

        string Domain(System.CommandLine.ParseResult parsed) =>
            parsed.GetValue(domain) ?? throw new UsageException("--domain is required, e.g. -d example.com");

        return Framework.Plugin.GoMetrics(definition, args, context, parsed => Definition(Domain(parsed)).Definitions(), parsed =>
        {
            var name = Domain(parsed);
            var qtype = DnsQuestion.ParseType(parsed.GetValue(type));
            var question = DnsQuestion.NameFor(name, qtype);
            var transport = DnsQuestion.ParseProtocol(parsed.GetValue(protocol));
            var serverText = parsed.GetValue(server) ?? "8.8.8.8";
            if (!InetAddress.TryParse(serverText, out var address))
                throw new UsageException($"--server takes an IP address, got '{Opt.Shorten(serverText)}'");
            var endpoint = new IPEndPoint(address, parsed.GetValue(port));
            var wait = TimeSpan.FromMilliseconds(parsed.GetValue(timeout) is > 0 and var ms ? ms : 5000);
            var timings = Measure(endpoint, question, qtype, transport, wait, parsed.GetValue(count), parsed.GetValue(threads), context.Err);
            return Definition(name).Report(Summarise(timings), null, context.NowEpoch);
        });
    }

    public static GoMackerelPlugin Definition(string domain) => new(Name, null,
    [
        new GoGraph("responce", "dns-" + domain.Replace('.', '-'), "float",
            [new("min", "min"), new("max", "max"), new("avg", "avg"), new("p95", "p95"), new("p99", "p99")]),
    ]);

    /// <summary>Each worker's timings in whole milliseconds; a worker that meets an error drops its results.</summary>
    private static List<long> Measure(IPEndPoint server, string name, DnsType type, DnsTransport transport, TimeSpan timeout,
        int count, int threads, TextWriter err)
    {
        var workers = Enumerable.Range(0, threads).Select(_ => Task.Run(() =>
        {
            var mine = new List<long>(count);
            for (int i = 0; i < count; i++)
            {
                var clock = Stopwatch.StartNew();
                try
                {
                    var response = DnsClient.Query(server, name, type, timeout, transport);
                    if (DnsQuestion.Answers(response, type).Count == 0)
                        throw new DnsFormatException($"{name}: {DnsResponse.CodeName(response.ResponseCode)}, no {type} record");
                }
                catch (Exception e) when (e is DnsTimeoutException or DnsFormatException)
                {
                    lock (err) err.WriteLine($"{Name}: {e.Message}");
                    return new List<long>();
                }
                mine.Add((long)clock.Elapsed.TotalMilliseconds);
            }
            return mine;
        })).ToArray();
        Task.WaitAll(workers);
        return workers.SelectMany(w => w.Result).ToList();
    }

    /// <summary>min, max, integer avg, and p95/p99 at index floor(n·p/100) − 1 (0 when that is −1), as the original.</summary>
    public static Dictionary<string, double> Summarise(List<long> timings)
    {
        if (timings.Count == 0) return new() { ["min"] = 0, ["max"] = 0, ["avg"] = 0, ["p95"] = 0, ["p99"] = 0 };
        timings.Sort();
        double At(int percent) => timings.Count * percent / 100 - 1 is var i and >= 0 ? timings[i] : 0;
        return new()
        {
            ["min"] = timings[0], ["max"] = timings[^1], ["avg"] = timings.Sum() / timings.Count, ["p95"] = At(95), ["p99"] = At(99),
        };
    }
}

using System.Diagnostics;
using MetaCheck.Checks.Dns;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;

namespace MetaCheck.Checks.CheckDnsRr;

/// <summary>kazeburo's check-dns-rr: how many A records a name has (e.g. healthy members behind a Consul name).</summary>
public static class CheckDnsRr
{
    public const string Name = "check-dns-rr";

    public static int Main(string[] args) => Main(args, PluginContext.System());

    public static int Main(string[] args, PluginContext context)
    {
        var dns = new DnsOptions();
        var warning = Opt.Threshold("-w", "WARNING when fewer A records than this are found (default: 2).", PlainNumber.Int(0, 100_000), ThresholdRange.Below, 2, "--warning");
        var critical = Opt.Threshold("-c", "CRITICAL when fewer A records than this are found (default: 2).", PlainNumber.Int(0, 100_000), ThresholdRange.Below, 2, "--critical");
        var verbose = Opt.Verbose();
        var definition = Cli.Define(Dialect.GetoptLongStrict, Name,
            "Count the A records of a name. Example: check-dns-rr -w 3 -c 2 --host web.service.consul",
            [warning, critical, .. dns.All, verbose]);
        return Plugin.Check(definition, args, context, parsed =>
        {
            var host = dns.RequireHost(parsed);
            var resolver = dns.Resolver(parsed, context);
            var clock = Stopwatch.StartNew();
            Resolution resolution;
            try
            {
                resolution = resolver.Resolve(host, DnsType.A);
            }
            catch (Exception e) when (e is DnsTimeoutException or DnsFormatException)
            {
                throw new DataSourceException($"cannot count A records of {host}: {e.Message}");
            }
            if (resolution.ResponseCode is not (DnsResponse.NoError or DnsResponse.NxDomain))
                throw new DataSourceException($"cannot count A records of {host}: the server answered {DnsResponse.CodeName(resolution.ResponseCode)}");
            var result = Evaluate(resolution.Addresses.Count, clock.Elapsed.TotalSeconds, parsed.GetValue(warning)!, parsed.GetValue(critical)!);
            return parsed.GetValue(verbose) == 0 ? result : result with { Details = resolution.AnswerLines() };
        });
    }

    /// <summary>
    /// Pure. A plain -w/-c alerts when fewer records than it are found, in the original's words; a range
    /// alerts where the guidelines say, and the message names it. Performance data: the count and the
    /// lookup's time (search list and CNAME chain included).
    /// </summary>
    public static CheckResult Evaluate(int found, double seconds, ThresholdRange warning, ThresholdRange critical)
    {
        var (status, applied) = ThresholdRange.Grade(found, warning, critical);
        var result = CheckResult.Of(status, applied is null ? $"{found} dns-rr hosts found" : Breach(found, applied));
        return result with { Perfdata = [new PerfValue("records", found, "", warning, critical, 0), new PerfValue("time", seconds, "s", Min: 0)] };
    }

    private static string Breach(int found, ThresholdRange threshold) => threshold.Plain is { } plain
        ? $"{found} dns-rr hosts found < {ThresholdRange.Number(plain)}"
        : $"{found} dns-rr hosts found ({threshold.Where})";
}

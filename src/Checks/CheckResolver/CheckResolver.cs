using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MetaCheck.Checks.Dns;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;

namespace MetaCheck.Checks.CheckResolver;

/// <summary>kazeburo's check-resolver: how long resolving a name takes.</summary>
public static class CheckResolver
{
    public const string Name = "check-resolver";

    public static int Main(string[] args) => Main(args, PluginContext.System());

    public static int Main(string[] args, PluginContext context)
    {
        var dns = new DnsOptions();
        var seconds = PlainNumber.Seconds(TimeSpan.FromDays(1));
        var warning = Opt.Threshold("-w", "WARNING when resolving takes longer than this many seconds (default: 2).", seconds, ThresholdRange.Above, 2, "--warning");
        var critical = Opt.Threshold("-c", "CRITICAL when resolving takes longer than this many seconds (default: 2).", seconds, ThresholdRange.Above, 2, "--critical");
        var verbose = Opt.Verbose();
        var definition = Cli.Define(Dialect.GetoptLongStrict, Name,
            "Time the lookup of a name's A record. Example: check-resolver -w 0.5 -c 1 --host example.com",
            [warning, critical, .. dns.All, verbose]);
        return Plugin.Check(definition, args, context, parsed =>
        {
            var host = dns.RequireHost(parsed);
            var clock = Stopwatch.StartNew();
            string? address = null;
            IReadOnlyList<string> details = [];
            if (InetAddress.TryParse(host, out var literal) && literal.AddressFamily == AddressFamily.InterNetwork)
            {
                address = literal.ToString();
                details = [$"{host} is an IPv4 address: answered without DNS"];
            }
            else
            {
                try
                {
                    var resolution = dns.Resolver(parsed, context).Resolve(host, DnsType.A);
                    var found = resolution.Addresses;
                    if (found.Count > 0) address = found[Random.Shared.Next(found.Count)];
                    details = resolution.AnswerLines();
                }
                catch (Exception e) when (e is DnsTimeoutException or DnsFormatException)
                {
                    // The resolver is what this check watches: an unanswered lookup is its failure, not ours.
                    context.Err.WriteLine($"{Name}: {e.Message}");
                }
            }
            var elapsed = Math.Round(clock.Elapsed.TotalSeconds, 6);
            var result = Evaluate(host, address, elapsed, parsed.GetValue(warning)!, parsed.GetValue(critical)!);
            return parsed.GetValue(verbose) == 0 ? result : result with { Details = details };
        });
    }

    /// <summary>
    /// Pure. A plain -w/-c alerts when the lookup took longer, in the original's words; a range alerts where
    /// the guidelines say, and the message names it. No address is CRITICAL whatever the time; the time
    /// was measured all the same and is in the performance data.
    /// </summary>
    public static CheckResult Evaluate(string host, string? address, double elapsed, ThresholdRange warning, ThresholdRange critical)
    {
        var e = NumberFormat.Perl(elapsed);
        var answer = $"({host} IN A {address})";
        var (status, applied) = ThresholdRange.Grade(elapsed, warning, critical);
        var result = address is null ? CheckResult.Of(Status.Critical, $"hosts not found in {e} sec")
            : CheckResult.Of(status, $"{(applied is null ? $"elapsed_time {e} sec" : Breach(e, applied))} {answer}");
        return result with { Perfdata = [new PerfValue("time", elapsed, "s", warning, critical, 0)] };
    }

    private static string Breach(string elapsed, ThresholdRange threshold) => threshold.Plain is { } plain
        ? $"elapsed_time {elapsed} sec > {NumberFormat.Perl(plain)}"
        : $"elapsed_time {elapsed} sec is {threshold.Where}";
}

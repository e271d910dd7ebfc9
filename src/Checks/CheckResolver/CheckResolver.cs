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
        var warning = Opt.Duration("-w", "WARNING when resolving takes longer than this many seconds (default: 2).", TimeSpan.FromDays(1), "--warning");
        var critical = Opt.Duration("-c", "CRITICAL when resolving takes longer than this many seconds (default: 2).", TimeSpan.FromDays(1), "--critical");
        var definition = Cli.Define(Dialect.GetoptLongStrict, Name,
            "Time the lookup of a name's A record. Example: check-resolver -w 0.5 -c 1 --host example.com",
            [warning, critical, .. dns.All]);
        return Plugin.Check(definition, args, context, parsed =>
        {
            var host = dns.RequireHost(parsed);
            var clock = Stopwatch.StartNew();
            string? address = null;
            if (InetAddress.TryParse(host, out var literal) && literal.AddressFamily == AddressFamily.InterNetwork)
            {
                address = literal.ToString();
            }
            else
            {
                try
                {
                    var found = dns.Resolver(parsed, context).Resolve(host, DnsType.A).Addresses;
                    if (found.Count > 0) address = found[Random.Shared.Next(found.Count)];
                }
                catch (Exception e) when (e is DnsTimeoutException or DnsFormatException)
                {
                    // The resolver is what this check watches: an unanswered lookup is its failure, not ours.
                    context.Err.WriteLine($"{Name}: {e.Message}");
                }
            }
            var elapsed = Math.Round(clock.Elapsed.TotalSeconds, 6);
            return Evaluate(host, address, elapsed, parsed.GetValue(warning) ?? TimeSpan.FromSeconds(2), parsed.GetValue(critical) ?? TimeSpan.FromSeconds(2));
        });
    }

    public static CheckResult Evaluate(string host, string? address, double elapsed, TimeSpan warning, TimeSpan critical)
    {
        var e = NumberFormat.Perl(elapsed);
        if (address is null) return CheckResult.Of(Status.Critical, $"hosts not found in {e} sec");
        var answer = $"({host} IN A {address})";
        if (elapsed > critical.TotalSeconds) return CheckResult.Of(Status.Critical, $"elapsed_time {e} sec > {NumberFormat.Perl(critical.TotalSeconds)} {answer}");
        if (elapsed > warning.TotalSeconds) return CheckResult.Of(Status.Warning, $"elapsed_time {e} sec > {NumberFormat.Perl(warning.TotalSeconds)} {answer}");
        return CheckResult.Of(Status.Ok, $"elapsed_time {e} sec {answer}");
    }
}

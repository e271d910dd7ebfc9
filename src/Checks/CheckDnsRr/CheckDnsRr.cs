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
        var warning = Opt.Int("-w", "WARNING when fewer A records than this are found.", 2, 0, 100_000, "--warning");
        var critical = Opt.Int("-c", "CRITICAL when fewer A records than this are found.", 2, 0, 100_000, "--critical");
        var definition = Cli.Define(Dialect.GetoptLongStrict, Name,
            "Count the A records of a name. Example: check-dns-rr -w 3 -c 2 --host web.service.consul",
            [warning, critical, .. dns.All]);
        return Plugin.Check(definition, args, context, parsed =>
        {
            var host = dns.RequireHost(parsed);
            var resolver = dns.Resolver(parsed, context);
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
            return Evaluate(resolution.Addresses.Count, parsed.GetValue(warning), parsed.GetValue(critical));
        });
    }

    public static CheckResult Evaluate(int found, int warning, int critical)
    {
        if (found < critical) return CheckResult.Of(Status.Critical, $"{found} dns-rr hosts found < {critical}");
        if (found < warning) return CheckResult.Of(Status.Warning, $"{found} dns-rr hosts found < {warning}");
        return CheckResult.Of(Status.Ok, $"{found} dns-rr hosts found");
    }
}

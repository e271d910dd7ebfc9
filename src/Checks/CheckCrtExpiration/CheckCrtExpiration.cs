using MetaCheck.Checks.Framework;
using MetaCheck.Checks.Tls;
using MetaCheck.Core;

namespace MetaCheck.Checks.CheckCrtExpiration;

/// <summary>
/// kazeburo's check-crt-expiration: days until a certificate file expires. Reads the file itself
/// (PEM or DER; the first certificate of a PEM chain) instead of running openssl, and computes in UTC.
/// </summary>
public static class CheckCrtExpiration
{
    public const string Name = "check-crt-expiration";

    public static int Main(string[] args) => Main(args, PluginContext.System());

    public static int Main(string[] args, PluginContext context)
    {
        var days = PlainNumber.Int(-36500, 36500);
        var warning = Opt.Threshold("-w", "WARNING when fewer than this many whole days are left (default: 7), or a range.", days, ThresholdRange.Below, 7, "--warning");
        var critical = Opt.Threshold("-c", "CRITICAL when fewer than this many whole days are left (default: 5), or a range.", days, ThresholdRange.Below, 5, "--critical");
        var file = Opt.Text("-f", "Certificate file, PEM or DER. In a PEM chain the first certificate (the leaf) is checked.", "--file");
        var verbose = Opt.Verbose();
        var definition = Cli.Define(Dialect.GetoptLong, Name,
            "Alert when a certificate file is about to expire. Example: check-crt-expiration -w 14 -c 7 -f /etc/ssl/certs/site.pem",
            warning, critical, file, verbose);
        return Plugin.Check(definition, args, context, parsed =>
        {
            var path = parsed.GetValue(file) ?? throw new UsageException("give -f /path/to/certificate.pem");
            var (notAfter, described) = Read(path);
            var result = Evaluate(notAfter, context.NowEpoch, parsed.GetValue(warning)!, parsed.GetValue(critical)!);
            return parsed.GetValue(verbose) == 0 ? result : result with { Details = [$"{path}: {described}"] };
        });
    }

    /// <summary>Kept apart so the crypto types load only when a file is checked.</summary>
    private static (DateTime NotAfter, string Described) Read(string path)
    {
        using var cert = CertText.LoadFirst(path);
        return (CertText.NotAfterUtc(cert), CertText.Describe(cert));
    }

    /// <summary>
    /// A plain -w/-c: strict less-than, critical first; days truncated toward zero as in the original. A range
    /// alerts as the guidelines say and the message names it.
    /// </summary>
    public static CheckResult Evaluate(DateTime notAfterUtc, long nowEpoch, ThresholdRange warning, ThresholdRange critical)
    {
        var days = CertText.DaysLeft(notAfterUtc, nowEpoch);
        var (status, rangeNote, perf) = CertText.GradeDays(days, warning, critical);
        return CheckResult.Of(status, $"Expiration date: '{CertText.OpensslDate(notAfterUtc)}'. {days} days left{rangeNote}") with { Perfdata = [perf] };
    }
}

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
        var warning = Opt.Int("-w", "WARNING when fewer than this many whole days are left.", 7, -36500, 36500, "--warning");
        var critical = Opt.Int("-c", "CRITICAL when fewer than this many whole days are left.", 5, -36500, 36500, "--critical");
        var file = Opt.Text("-f", "Certificate file, PEM or DER. In a PEM chain the first certificate (the leaf) is checked.", "--file");
        var definition = Cli.Define(Dialect.GetoptLong, Name,
            "Alert when a certificate file is about to expire. Example: check-crt-expiration -w 14 -c 7 -f /etc/ssl/certs/site.pem",
            warning, critical, file);
        return Plugin.Check(definition, args, context, parsed =>
        {
            var path = parsed.GetValue(file) ?? throw new UsageException("give -f /path/to/certificate.pem");
            var notAfter = ReadNotAfter(path);
            return Evaluate(notAfter, context.NowEpoch, parsed.GetValue(warning), parsed.GetValue(critical));
        });
    }

    /// <summary>Kept apart so the crypto types load only when a file is checked.</summary>
    private static DateTime ReadNotAfter(string path)
    {
        using var cert = CertText.LoadFirst(path);
        return CertText.NotAfterUtc(cert);
    }

    /// <summary>Strict less-than, critical first; days truncated toward zero as in the original.</summary>
    public static CheckResult Evaluate(DateTime notAfterUtc, long nowEpoch, int warning, int critical)
    {
        var days = CertText.DaysLeft(notAfterUtc, nowEpoch);
        var text = $"Expiration date: '{CertText.OpensslDate(notAfterUtc)}'. {days} days left";
        var status = days < critical ? Status.Critical : days < warning ? Status.Warning : Status.Ok;
        return CheckResult.Of(status, text);
    }
}

using MetaCheck.Checks.Framework;
using MetaCheck.Checks.Tls;
using MetaCheck.Core;

namespace MetaCheck.Checks.CheckSslValidate;

/// <summary>
/// ryuichi1208's check-ssl-validate (designed: the source is not available): connect, handshake with
/// SNI, verify chain, name and validity period, then grade the days left. checkers output, no name.
/// </summary>
public static class CheckSslValidate
{
    public const string Name = "check-ssl-validate";

    public static int Main(string[] args) => Main(args, PluginContext.System());

    public static int Main(string[] args, PluginContext context)
    {
        var tls = new TlsOptions();
        var warning = Opt.Int("-w", "WARNING when fewer than this many whole days are left.", 30, 0, 36500, "--warning");
        var critical = Opt.Int("-c", "CRITICAL when fewer than this many whole days are left.", 14, 0, 36500, "--critical");
        var definition = Cli.Define(Dialect.GoFlags, Name,
            "Verify a TLS server's certificate (chain, host name, validity) and alert before it expires. Example: check-ssl-validate -H www.example.com -w 30 -c 14",
            [.. tls.All(withCaFile: true), warning, critical]);
        return Plugin.Check(definition, args, context, parsed =>
        {
            var request = tls.Request(parsed) with { AcceptAnyCertificate = true };
            return Probe(request, context, parsed.GetValue(warning), parsed.GetValue(critical));
        });
    }

    private static CheckResult Probe(TlsRequest request, PluginContext context, int warning, int critical)
    {
        var target = TlsOptions.Target(request);
        TlsSession session;
        try
        {
            session = TlsProbe.Open(request, () => context.Clock.GetCurrentInstant().ToDateTimeUtc());
        }
        catch (TlsProbeException e)
        {
            var status = e.Failure == TlsFailure.NotOffered ? Status.Unknown : Status.Critical;
            return CheckResult.Checkers(status, e.Message, "");
        }
        using (session)
        {
            if (session.Problems.Count > 0)
                return CheckResult.Checkers(Status.Critical, $"{target}: {string.Join("; ", session.Problems)}", "");
            return Evaluate(target, CertText.NotAfterUtc(session.Leaf!), context.NowEpoch, warning, critical);
        }
    }

    /// <summary>A verified certificate: strict less-than on whole days left, critical first.</summary>
    public static CheckResult Evaluate(string target, DateTime notAfterUtc, long nowEpoch, int warning, int critical)
    {
        var days = CertText.DaysLeft(notAfterUtc, nowEpoch);
        var status = days < critical ? Status.Critical : days < warning ? Status.Warning : Status.Ok;
        return CheckResult.Checkers(status, $"{target}: certificate valid until {CertText.OpensslDate(notAfterUtc)} ({days} days left)", "");
    }
}

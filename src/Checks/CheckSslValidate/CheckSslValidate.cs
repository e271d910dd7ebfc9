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
        var days = PlainNumber.Int(0, 36500);
        var warning = Opt.Threshold("-w", "WARNING when fewer than this many whole days are left (default: 30), or a range.", days, ThresholdRange.Below, 30, "--warning");
        var critical = Opt.Threshold("-c", "CRITICAL when fewer than this many whole days are left (default: 14), or a range.", days, ThresholdRange.Below, 14, "--critical");
        var verbose = Opt.Verbose();
        var definition = Cli.Define(Dialect.GoFlags, Name,
            "Verify a TLS server's certificate (chain, host name, validity) and alert before it expires. Example: check-ssl-validate -H www.example.com -w 30 -c 14",
            [.. tls.All(withCaFile: true), warning, critical, verbose]);
        return Plugin.Check(definition, args, context, parsed =>
        {
            var request = tls.Request(parsed) with { AcceptAnyCertificate = true };
            return Probe(request, context, parsed.GetValue(warning)!, parsed.GetValue(critical)!, parsed.GetValue(verbose) > 0);
        });
    }

    private static CheckResult Probe(TlsRequest request, PluginContext context, ThresholdRange warning, ThresholdRange critical, bool verbose)
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
            var graded = session.Leaf is { } cert ? Evaluate(target, CertText.NotAfterUtc(cert), context.NowEpoch, warning, critical) : null;
            // A certificate that does not verify is CRITICAL whatever its days; those are still measured and reported.
            var result = session.Problems.Count > 0
                ? CheckResult.Checkers(Status.Critical, $"{target}: {string.Join("; ", session.Problems)}", "") with { Perfdata = graded?.Perfdata ?? [] }
                : graded!;
            result = result with { Perfdata = [.. result.Perfdata, session.Time(request)] };
            if (!verbose) return result;
            return result with { Details = session.Leaf is { } leaf ? [session.Steps, CertText.Describe(leaf)] : [session.Steps] };
        }
    }

    /// <summary>
    /// A verified certificate: a plain -w/-c is strict less-than on whole days left, critical first; a range
    /// alerts as the guidelines say and the message names it.
    /// </summary>
    public static CheckResult Evaluate(string target, DateTime notAfterUtc, long nowEpoch, ThresholdRange warning, ThresholdRange critical)
    {
        var days = CertText.DaysLeft(notAfterUtc, nowEpoch);
        var (status, rangeNote, perf) = CertText.GradeDays(days, warning, critical);
        return CheckResult.Checkers(status, $"{target}: certificate valid until {CertText.OpensslDate(notAfterUtc)} ({days} days left{rangeNote})", "")
            with { Perfdata = [perf] };
    }
}

using System.Security.Authentication;
using MetaCheck.Checks.Framework;
using MetaCheck.Checks.Tls;
using MetaCheck.Core;

namespace MetaCheck.Checks.CheckDosTls12;

/// <summary>
/// ryuichi1208's check-dos-tls12 (designed: the source is not available and the name is ambiguous):
/// alert when a server still negotiates deprecated TLS versions (1.0 and 1.1; 1.2 too with --reject).
/// Each version is tried in a handshake pinned to it; the certificate is not judged here.
/// </summary>
public static class CheckDosTls12
{
    public const string Name = "check-dos-tls12";

#pragma warning disable SYSLIB0039 // TLS 1.0/1.1 on purpose: the check is whether the server still accepts them
    private static readonly Dictionary<string, SslProtocols> Known = new()
    {
        ["1.0"] = SslProtocols.Tls, ["1.1"] = SslProtocols.Tls11, ["1.2"] = SslProtocols.Tls12,
    };
#pragma warning restore SYSLIB0039

    public static int Main(string[] args) => Main(args, PluginContext.System());

    public static int Main(string[] args, PluginContext context)
    {
        var tls = new TlsOptions();
        var reject = Opt.Text("--reject", "Versions the server must refuse, comma-separated from 1.0, 1.1, 1.2 (default: 1.0,1.1).");
        var warningOnly = Opt.Flag("-W", "A version that is still accepted is WARNING instead of CRITICAL.", "--warning-only");
        var verbose = Opt.Verbose();
        var definition = Cli.Define(Dialect.GoFlags, Name,
            "Alert when a TLS server still accepts deprecated protocol versions. Example: check-dos-tls12 -H www.example.com --reject 1.0,1.1,1.2",
            [.. tls.All(withCaFile: false), reject, warningOnly, verbose]);
        return Plugin.Check(definition, args, context, parsed =>
        {
            var versions = ParseVersions(parsed.GetValue(reject) ?? "1.0,1.1");
            var request = tls.Request(parsed) with { AcceptAnyCertificate = true };
            var steps = new List<string>();
            var result = Probe(request, versions, parsed.GetValue(warningOnly) ? Status.Warning : Status.Critical, context, steps);
            return parsed.GetValue(verbose) == 0 ? result : result with { Details = steps };
        });
    }

    public static IReadOnlyList<(string Version, SslProtocols Protocol)> ParseVersions(string text)
    {
        var list = new List<(string, SslProtocols)>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Known.TryGetValue(part, out var protocol))
                throw new UsageException($"--reject takes versions from 1.0, 1.1, 1.2, got '{Opt.Shorten(part)}'");
            if (!list.Contains((part, protocol))) list.Add((part, protocol));
        }
        if (list.Count == 0) throw new UsageException("--reject needs at least one version");
        return [.. list.OrderBy(v => v.Item1, StringComparer.Ordinal)];
    }

    /// <summary>Tries the default handshake, then each version; <paramref name="steps"/> gets -v's line for each try.</summary>
    private static CheckResult Probe(TlsRequest request, IReadOnlyList<(string Version, SslProtocols Protocol)> versions, Status violation,
        PluginContext context, List<string> steps)
    {
        var target = TlsOptions.Target(request);
        DateTime Now() => context.Clock.GetCurrentInstant().ToDateTimeUtc();

        // A baseline handshake first: a port that is down or not TLS would otherwise "refuse" every version.
        // Only a refused handshake goes on: a server that speaks nothing but old versions must still be caught.
        string? usual = null;
        TlsProbeException? baselineFailure = null;
        List<PerfValue> perfdata = [];
        try
        {
            using var baseline = TlsProbe.Open(request, Now);
            usual = TlsProbe.Versions(baseline.Protocol);
            perfdata.Add(baseline.Time(request));
            steps.Add($"default versions: {baseline.Steps}");
        }
        catch (TlsProbeException e) when (e.Failure == TlsFailure.Handshake)
        {
            baselineFailure = e;
            steps.Add($"default versions: refused ({e.Message})");
        }
        catch (TlsProbeException e)
        {
            return CheckResult.Checkers(e.Failure == TlsFailure.NotOffered ? Status.Unknown : Status.Critical, $"no TLS handshake possible: {e.Message}", "");
        }

        var accepted = new List<string>();
        var untestable = new List<string>();
        foreach (var (version, protocol) in versions)
        {
            try
            {
                using var session = TlsProbe.Open(request with { Protocols = protocol }, Now);
                accepted.Add("TLS " + version);
                steps.Add($"TLS {version}: accepted");
            }
            catch (TlsProbeException e) when (e.Failure == TlsFailure.Handshake)
            {
                steps.Add($"TLS {version}: refused"); // what we want
            }
            catch (TlsProbeException e) when (e.Failure == TlsFailure.NotOffered)
            {
                untestable.Add("TLS " + version);
                steps.Add($"TLS {version}: not tested ({e.Message})");
            }
            catch (TlsProbeException e)
            {
                return CheckResult.Checkers(Status.Critical, $"while trying TLS {version}: {e.Message}", "");
            }
        }
        var all = string.Join(", ", versions.Select(v => "TLS " + v.Version));
        // The versions still accepted of those tested: a count to graph, 0 being the goal.
        if (untestable.Count < versions.Count) perfdata.Insert(0, new PerfValue("accepted", accepted.Count, "", null, null, 0, versions.Count - untestable.Count));
        if (accepted.Count > 0)
            return CheckResult.Checkers(violation, $"{target} still accepts {string.Join(", ", accepted)} (should refuse {all})", "") with { Perfdata = perfdata };
        if (baselineFailure is not null)
            return CheckResult.Checkers(Status.Critical, $"no TLS handshake possible: {baselineFailure.Message}", "");
        if (untestable.Count > 0)
        {
            var them = untestable.Count == 1 ? "it" : "them";
            return CheckResult.Checkers(Status.Unknown,
                $"{target}: cannot test {string.Join(", ", untestable)}: this host's OpenSSL will not offer {them} " +
                $"(security level or MinProtocol in openssl.cnf; run with OPENSSL_CONF set to a file that allows {them})", "");
        }
        return CheckResult.Checkers(Status.Ok, $"{target} refuses {all} (negotiates {usual} by default)", "") with { Perfdata = perfdata };
    }
}

using System.CommandLine;
using System.Security.Authentication;
using MetaCheck.Checks.Framework;
using MetaCheck.Checks.Tls;
using MetaCheck.Core;

namespace MetaCheck.Checks.MackerelPluginSslhandshakeTime;

/// <summary>
/// ryuichi1208's mackerel-plugin-sslhandshake-time: DNS lookup, TCP connect and TLS handshake time of
/// one connection, in whole milliseconds. A phase that fails is left out (one line on stderr, exit 0).
/// </summary>
public static class MackerelPluginSslhandshakeTime
{
    public const string Name = "mackerel-plugin-sslhandshake-time";

    public static int Main(string[] args) => Main(args, PluginContext.System());

    public static int Main(string[] args, PluginContext context)
    {
        var prefix = Opt.Text("--prefix", "Metric key prefix (default: ssl).", "-prefix");
        var timeout = Opt.Duration("--timeout", "Time allowed for resolving, connecting and the handshake together (default: 10).", TimeSpan.FromHours(1));
        var caFile = Opt.Text("--ca-file", "Trust only the CA certificates in this PEM file instead of the system's.");
        var url = new Argument<string?>("url") { Arity = ArgumentArity.ZeroOrOne, Description = "https://host[:port]/ (or host[:port]; http:// measures no handshake)." };
        var definition = Cli.Define(Dialect.GoFlag, Name,
            "TLS connection timing metrics (ms): ssl.dnsLookupTime, ssl.tcphandshakeTime, ssl.sslhandshakeTime.\nExample: mackerel-plugin-sslhandshake-time https://www.example.com/",
            prefix, timeout, caFile);
        definition.Arguments.Add(url);

        string Url(ParseResult parsed) => parsed.GetValue(url) ?? throw new UsageException("give the URL to time, e.g. https://www.example.com/");

        return Plugin.GoMetrics(definition, args, context, parsed =>
        {
            Url(parsed);
            return Definition(parsed.GetValue(prefix) ?? "ssl").Definitions();
        }, parsed =>
        {
            var (host, port, tls) = ParseUrl(Url(parsed));
            var wait = parsed.GetValue(timeout) ?? TimeSpan.FromSeconds(10);
            if (wait <= TimeSpan.Zero) throw new UsageException("--timeout must be more than 0 seconds");
            var request = new TlsRequest
            {
                Host = host, Port = port, Timeout = wait, NoTls = !tls, Protocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                TrustedRoots = parsed.GetValue(caFile) is { } path ? CertText.LoadBundle(path) : null,
            };
            var values = Measure(request, context);
            return Definition(parsed.GetValue(prefix) ?? "ssl").Report(values, null, context.NowEpoch);
        });
    }

    public static GoMackerelPlugin Definition(string prefix) => new(Name, prefix,
    [
        new GoGraph("", GoMackerelPlugin.GoTitle(prefix) + "_connection_time", "float",
            [new("dnsLookupTime", "dnsLookupTime"), new("tcphandshakeTime", "tcphandshakeTime"), new("sslhandshakeTime", "sslhandshakeTime")]),
    ]);

    /// <summary>The original's normalisation: no `://` and no leading `//` → `//` prepended; no scheme → https.</summary>
    public static (string Host, int Port, bool Tls) ParseUrl(string text)
    {
        var withSlashes = text.Contains("://", StringComparison.Ordinal) || text.StartsWith("//", StringComparison.Ordinal) ? text : "//" + text;
        var absolute = withSlashes.StartsWith("//", StringComparison.Ordinal) ? "https:" + withSlashes : withSlashes;
        if (!Uri.TryCreate(absolute, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
            throw new UsageException($"cannot parse the URL '{Opt.Shorten(text)}'");
        bool tls = uri.Scheme switch
        {
            "https" => true,
            "http" => false,
            _ => throw new UsageException($"the URL must be https:// or http://, got '{Opt.Shorten(text)}'"),
        };
        return (uri.Host, uri.Port, tls);
    }

    /// <summary>Whole milliseconds (truncated) of each phase that finished; the failure goes to stderr.</summary>
    private static Dictionary<string, double> Measure(TlsRequest request, PluginContext context)
    {
        static double Ms(TimeSpan t) => Math.Floor(t.TotalMilliseconds);
        var values = new Dictionary<string, double>();
        try
        {
            using var session = TlsProbe.Open(request, () => context.Clock.GetCurrentInstant().ToDateTimeUtc());
            values["dnsLookupTime"] = Ms(session.DnsTime);
            values["tcphandshakeTime"] = Ms(session.ConnectTime);
            values["sslhandshakeTime"] = Ms(session.HandshakeTime);
        }
        catch (TlsProbeException e)
        {
            if (e.DnsTime is { } dns) values["dnsLookupTime"] = Ms(dns);
            if (e.ConnectTime is { } connect) values["tcphandshakeTime"] = Ms(connect);
            context.Err.WriteLine($"{Name}: {e.Message}");
        }
        return values;
    }
}

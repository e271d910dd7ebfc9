using MetaCheck.Checks.Framework;
using MetaCheck.Core;

namespace MetaCheck.Checks.Dns;

/// <summary>The options DNS checks share, and the resolver they configure.</summary>
public sealed class DnsOptions
{
    public readonly System.CommandLine.Option<string?> Host = Opt.Text("--host", "Name to look up (required).", "-H");
    public readonly System.CommandLine.Option<string?> Server = Opt.Text("--server",
        "Ask this server (IP, IP:port or [IPv6]:port) instead of the nameservers of resolv.conf.", "-s");
    public readonly System.CommandLine.Option<TimeSpan?> Timeout = Opt.Duration("--timeout",
        "Seconds to wait for each answer (default: resolv.conf's timeout, else 5).", TimeSpan.FromMinutes(1), "-t");

    public System.CommandLine.Option[] All => [Host, Server, Timeout];

    public string RequireHost(System.CommandLine.ParseResult parsed) =>
        parsed.GetValue(Host) ?? throw new UsageException("--host is required, e.g. --host db.service.consul");

    public StubResolver Resolver(System.CommandLine.ParseResult parsed, PluginContext context)
    {
        var server = parsed.GetValue(Server);
        ResolvConf conf;
        try
        {
            var text = server is null ? DataSource.ReadText(context.Paths.Etc("resolv.conf")) : "";
            conf = StubResolver.Configure(server, text, parsed.GetValue(Timeout));
        }
        catch (FormatException e)
        {
            throw new UsageException($"--server: {e.Message}");
        }
        return new StubResolver(conf);
    }
}

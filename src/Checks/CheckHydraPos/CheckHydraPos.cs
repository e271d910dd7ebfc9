using System.Globalization;
using System.Text.Json;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;

namespace MetaCheck.Checks.CheckHydraPos;

/// <summary>
/// kazeburo's check-hydra-pos: alert when fluent-agent-hydra stops advancing its read position in a
/// tailed file. The position and time of the previous run are kept in the MetaCheck store.
/// </summary>
public static class CheckHydraPos
{
    public const string Name = "check-hydra-pos";

    public static int Main(string[] args) => Main(args, PluginContext.System());

    public static int Main(string[] args, PluginContext context)
    {
        var warning = Opt.Int("-w", "WARNING when the position advances by fewer than this many bytes per second.", 1, 0, int.MaxValue, "--warning");
        var critical = Opt.Int("-c", "CRITICAL when the position advances by fewer than this many bytes per second.", 1, 0, int.MaxValue, "--critical");
        var file = Opt.Text("--file", "The tailed file, exactly as hydra's stats name it (required).");
        var host = Opt.Text("--host", "Host of hydra's stats HTTP server (default: 127.0.0.1).");
        var port = Opt.Int("--port", "Port of hydra's stats HTTP server.", 24200, 1, 65535);
        var timeout = Opt.Duration("--timeout", "Give up on the stats server after this long (default: 10).", TimeSpan.FromHours(1));
        var definition = Cli.Define(Dialect.GetoptLongStrict, Name,
            "Alert when fluent-agent-hydra stops reading a file. Example: check-hydra-pos -w 100 -c 1 --file=/var/log/app.log",
            warning, critical, file, host, port, timeout);
        return Plugin.Check(definition, args, context, parsed =>
        {
            var path = parsed.GetValue(file) ?? throw new UsageException("--file is required: usage: check-hydra-pos -w age -c age --file=/path/to/log/file");
            var hostName = parsed.GetValue(host) ?? "127.0.0.1";
            if (Uri.CheckHostName(hostName.Trim('[', ']')) == UriHostNameType.Unknown)
                throw new UsageException($"--host takes a host name or an IP address, got '{Opt.Shorten(hostName)}'");
            var url = $"http://{UrlHost(hostName)}:{parsed.GetValue(port)}/";
            var limit = parsed.GetValue(timeout) ?? TimeSpan.FromSeconds(10);
            if (limit <= TimeSpan.Zero) throw new UsageException("--timeout must be more than 0 seconds");

            var reply = HttpJson.Fetch(url, limit);
            if (!reply.Ok) return new CheckResult(Status.Warning, $"NG: failed to retrive {url}: {reply.StatusLine}");
            using var doc = reply.Document!;
            if (Position(doc.RootElement, path) is not { } position)
                return new CheckResult(Status.Warning, $"NG: hydra does not tail {path}");

            long now = context.NowEpoch;
            var sample = new Sample(now, new Dictionary<string, double> { ["position"] = position });
            // Identity: the stats server and the file, not the thresholds (changing -w/-c keeps the history).
            string[] identity = [url, path];
            var previous = Counters.ExchangeRequired(context, Name, identity, sample, keepPrevious: p => now - p.Epoch < 1);
            return Evaluate(path, previous, sample, parsed.GetValue(warning), parsed.GetValue(critical));
        });
    }

    /// <summary>
    /// `files.&lt;path&gt;.position`; null when hydra does not list the file or lists it without a position
    /// (absent or null: the original's "not defined"). A false position is 0.
    /// </summary>
    public static double? Position(JsonElement root, string path)
    {
        if (HttpJson.Member(root, "files") is not { } files || HttpJson.Member(files, path) is not { } entry) return null;
        if (HttpJson.Member(entry, "position") is not { ValueKind: not JsonValueKind.Null } position) return null;
        return HttpJson.Number(position) ?? throw new DataSourceException($"hydra's position of {path} is not a number");
    }

    /// <summary>
    /// Pure: the verdict for the current sample against the previous one (null = first run). A previous
    /// sample from the same second gives UNKNOWN (the original died dividing by zero) and is kept.
    /// </summary>
    public static CheckResult Evaluate(string path, Sample? previous, Sample current, int warning, int critical)
    {
        if (previous is null) return CheckResult.Of(Status.Ok, "first time check");
        long period = current.Epoch - previous.Epoch;
        if (period < 1)
            throw new DataSourceException($"the previous sample of {path} is less than 1 s old; no rate yet (it is kept for the next run)");
        double diff = Math.Max(0, (current["position"] ?? 0) - (previous["position"] ?? 0));
        double rate = diff / period;
        var text = NumberFormat.Perl(rate);
        if (rate < critical) return CheckResult.Of(Status.Critical, $"{text} position-updated/sec less than {critical} ({path})");
        if (rate < warning) return CheckResult.Of(Status.Warning, $"{text} position-updated/sec less than {warning} ({path})");
        return CheckResult.Of(Status.Ok, $"{text} position-updated/sec ({path})");
    }

    /// <summary>An IPv6 literal goes in brackets in a URL.</summary>
    public static string UrlHost(string host) => host.Contains(':') && !host.StartsWith('[') ? $"[{host}]" : host;
}

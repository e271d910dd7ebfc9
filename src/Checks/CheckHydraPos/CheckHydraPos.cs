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
        var warning = Opt.Threshold("-w", "WARNING when the position advances by fewer than this many bytes per second.", PlainNumber.Int(0, int.MaxValue),
            ThresholdRange.Below, 1, "--warning");
        var critical = Opt.Threshold("-c", "CRITICAL when the position advances by fewer than this many bytes per second.", PlainNumber.Int(0, int.MaxValue),
            ThresholdRange.Below, 1, "--critical");
        var file = Opt.Text("--file", "The tailed file, exactly as hydra's stats name it (required).");
        var host = Opt.Text("--host", "Host of hydra's stats HTTP server (default: 127.0.0.1).");
        var port = Opt.Int("--port", "Port of hydra's stats HTTP server.", 24200, 1, 65535);
        // -t was already --timeout's unique prefix; named, it shows in the help.
        var timeout = Opt.Duration("--timeout", "Give up on the stats server after this long (default: 10).", TimeSpan.FromHours(1), "-t");
        var verbose = Opt.Verbose();
        var definition = Cli.Define(Dialect.GetoptLongStrict, Name,
            "Alert when fluent-agent-hydra stops reading a file. Example: check-hydra-pos -w 100 -c 1 --file=/var/log/app.log",
            warning, critical, file, host, port, timeout, verbose);
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
            var result = Evaluate(path, previous, sample, parsed.GetValue(warning)!, parsed.GetValue(critical)!);
            return parsed.GetValue(verbose) == 0 ? result : result with { Details = Details(previous, sample) };
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
    /// A plain -w/-c alerts below it, in the original's words; a range alerts where the guidelines say
    /// and the message names it. Measured: the position, and from the second run the rate.
    /// </summary>
    public static CheckResult Evaluate(string path, Sample? previous, Sample current, ThresholdRange warning, ThresholdRange critical)
    {
        var position = new PerfValue("position", current["position"] ?? 0, "c", Min: 0);
        if (previous is null) return CheckResult.Of(Status.Ok, "first time check") with { Perfdata = [position] };
        long period = current.Epoch - previous.Epoch;
        if (period < 1)
            throw new DataSourceException($"the previous sample of {path} is less than 1 s old; no rate yet (it is kept for the next run)");
        double diff = Math.Max(0, (current["position"] ?? 0) - (previous["position"] ?? 0));
        double rate = diff / period;
        var text = NumberFormat.Perl(rate);
        var (status, applied) = ThresholdRange.Grade(rate, warning, critical);
        var result = CheckResult.Of(status, $"{text} position-updated/sec {(applied is null ? "" : Breach(applied) + " ")}({path})");
        return result with { Perfdata = [new PerfValue("rate", rate, "", warning, critical, 0), position] };
    }

    private static string Breach(ThresholdRange applied) =>
        applied.Plain is { } plain ? $"less than {ThresholdRange.Number(plain)}" : $"is {applied.Where}";

    /// <summary>-v: the two samples compared (or the one kept for the next run).</summary>
    public static IReadOnlyList<string> Details(Sample? previous, Sample current)
    {
        var now = $"position {NumberFormat.Perl(current["position"] ?? 0)} at {DetailText.Utc(current.Epoch)}";
        return previous is null ? [$"{now}, kept for the next run"]
            : [now, $"previous position {NumberFormat.Perl(previous["position"] ?? 0)} at {DetailText.Utc(previous.Epoch)}, {current.Epoch - previous.Epoch} s earlier"];
    }

    /// <summary>An IPv6 literal goes in brackets in a URL.</summary>
    public static string UrlHost(string host) => host.Contains(':') && !host.StartsWith('[') ? $"[{host}]" : host;
}

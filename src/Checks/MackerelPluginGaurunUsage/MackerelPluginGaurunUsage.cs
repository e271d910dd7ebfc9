using System.Text.Json;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;

namespace MetaCheck.Checks.MackerelPluginGaurunUsage;

/// <summary>
/// kazeburo's mackerel-plugin-gaurun-usage: queue fill and per-second push rates of a Gaurun push server,
/// from its /stat/app JSON (previous push counters kept in the MetaCheck store).
/// </summary>
public static class MackerelPluginGaurunUsage
{
    public const string Name = "mackerel-plugin-gaurun-usage";

    public static readonly string[] Platforms = ["ios", "android"];

    public static int Main(string[] args) => Main(args, PluginContext.System());

    public static int Main(string[] args, PluginContext context)
    {
        var port = Opt.OptionalInt("--port", "Port of Gaurun on 127.0.0.1 (required; also part of the metric names).", 1, 65535);
        var timeout = Opt.Duration("--timeout", "Give up on Gaurun after this long (default: 10).", TimeSpan.FromHours(1));
        var definition = Cli.Define(Dialect.GetoptLongStrict, Name, "Gaurun queue usage and push rates. Example: mackerel-plugin-gaurun-usage --port=1056", port, timeout);
        int Port(System.CommandLine.ParseResult parsed) =>
            parsed.GetValue(port) ?? throw new UsageException("--port is required: usage: mackerel-plugin-gaurun-usage --port=1056");
        return Plugin.Metrics(definition, args, context, parsed => Graphs(Port(parsed)), parsed =>
        {
            int p = Port(parsed);
            var limit = parsed.GetValue(timeout) ?? TimeSpan.FromSeconds(10);
            if (limit <= TimeSpan.Zero) throw new UsageException("--timeout must be more than 0 seconds");
            var url = $"http://127.0.0.1:{p}/stat/app";
            using var doc = HttpJson.Get(url, limit);
            var stat = Read(doc.RootElement, url);
            long now = context.NowEpoch;
            var current = new Sample(now, stat.Counters);
            var previous = Counters.Exchange(context, Name, [p.ToString(System.Globalization.CultureInfo.InvariantCulture)], current,
                keepPrevious: s => now - s.Epoch < 1);
            return Report(p, stat, previous, current);
        });
    }

    /// <summary>The numbers this plugin uses from /stat/app.</summary>
    public sealed record Stat(double QueueMax, double QueueUsage, IReadOnlyDictionary<string, double> Counters);

    /// <summary>Missing, null or false fields are 0; queue_max must be non-zero; anything else not numeric is bad data.</summary>
    public static Stat Read(JsonElement root, string url)
    {
        if (root.ValueKind != JsonValueKind.Object) throw new DataSourceException($"{url} did not return a JSON object");
        double Field(JsonElement? parent, string name, string label) =>
            HttpJson.Number(parent is { } p ? HttpJson.Member(p, name) : null)
            ?? throw new DataSourceException($"{url}: {label} is not a number");
        double max = Field(root, "queue_max", "queue_max");
        if (max == 0) throw new DataSourceException($"{url}: queue_max is undefined");
        double usage = Field(root, "queue_usage", "queue_usage");
        var counters = new Dictionary<string, double>();
        foreach (var platform in Platforms)
        {
            var section = HttpJson.Member(root, platform);
            counters[$"{platform}.push_success"] = Field(section, "push_success", $"{platform}.push_success");
            counters[$"{platform}.push_error"] = Field(section, "push_error", $"{platform}.push_error");
        }
        return new Stat(max, usage, counters);
    }

    /// <summary>
    /// Pure: queue metrics always; per-second push rates and the success ratio only with a previous sample at
    /// least one second old. A negative delta (Gaurun restarted) leaves that value out.
    /// </summary>
    public static MetricReport Report(int port, Stat stat, Sample? previous, Sample current)
    {
        var prefix = $"gaurun_{port}";
        var report = MetricReport.PerlStyle();
        report.Add($"{prefix}.queue_usage.ratio", stat.QueueUsage / stat.QueueMax * 100);
        report.Add($"{prefix}.queue.max", stat.QueueMax);
        report.Add($"{prefix}.queue.usage", stat.QueueUsage);
        if (previous is null) return report;
        long period = current.Epoch - previous.Epoch;
        if (period < 1) return report;
        foreach (var platform in Platforms)
        {
            double success = (current[$"{platform}.push_success"] ?? 0) - (previous[$"{platform}.push_success"] ?? 0);
            double error = (current[$"{platform}.push_error"] ?? 0) - (previous[$"{platform}.push_error"] ?? 0);
            if (success >= 0) report.Add($"{prefix}.push_{platform}.success", success / period);
            if (error >= 0) report.Add($"{prefix}.push_{platform}.error", error / period);
            if (success >= 0 && error >= 0)
                report.Add($"{prefix}.push_success_ratio.{platform}", success + error == 0 ? 100 : success / (success + error) * 100);
        }
        return report;
    }

    public static IReadOnlyList<Graph> Graphs(int port)
    {
        var p = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        GraphMetric[] push = [new("success", "success", true), new("error", "error", true)];
        return
        [
            new($"gaurun_{p}.queue_usage", $"gaurun({p}) queue_usage/queue_max ratio", "float", [new GraphMetric("ratio", "ratio", true)]),
            new($"gaurun_{p}.queue", $"gaurun({p}) queue_usage and queue_max", "integer", [new GraphMetric("usage", "usage"), new GraphMetric("max", "max")]),
            new($"gaurun_{p}.push_ios", $"gaurun({p}) push to ios/sec", "float", push),
            new($"gaurun_{p}.push_android", $"gaurun({p}) push to android/sec", "float", push),
            new($"gaurun_{p}.push_success_ratio", $"gaurun({p}) succeeded ratio of push notification", "float",
                [new GraphMetric("ios", "ios"), new GraphMetric("android", "android")]),
        ];
    }
}

using System.Globalization;
using System.Text;
using MetaCheck.Checks.Framework;
using MetaCheck.Checks.MackerelApi;
using MetaCheck.Core;

namespace MetaCheck.Checks.MackerelLowUsagePolice;

/// <summary>max/min/avg/p50/p90 of one host's summed metric series.</summary>
public sealed record UsageStats(double Max, double Min, double Avg, double P50, double P90, long MaxTime, long MinTime);

/// <summary>
/// ryuichi1208's mackerel-low-usage-police: a one-shot report of how busy each host of a Mackerel service
/// role was over the last days, to spot hosts that could be shrunk or removed.
/// </summary>
public static class MackerelLowUsagePolice
{
    public const string Name = "mackerel-low-usage-police";

    /// <summary>The metric sets of --metrics; a set's metrics are summed per timestamp.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> MetricSets = new Dictionary<string, string[]>
    {
        ["cpu"] = ["cpu.user.percentage", "cpu.iowait.percentage", "cpu.system.percentage", "cpu.nice.percentage"],
        ["iops"] = ["custom.rds.diskiops.write", "custom.rds.diskiops.read"],
        ["loadavg"] = ["loadavg5"],
    };

    public static int Main(string[] args) => Main(args, PluginContext.System(), !Console.IsOutputRedirected);

    public static int Main(string[] args, PluginContext context) => Main(args, context, terminal: false);

    public static int Main(string[] args, PluginContext context, bool terminal)
    {
        var selection = new HostSelectionOptions();
        var window = Opt.Int("--timewindow", "Days to look back, 1-30.", 1, 1, 30);
        var prefix = Opt.Text("--prefix", "Accepted for compatibility; unused.");
        var metrics = Opt.OneOf("--metrics", "Metric set: cpu, iops or loadavg (default: cpu).", MetricSets.Keys);
        var threshold = Opt.Int("--threshold", "Rows whose avg is below this are marked (red on a terminal).", 100, 0, int.MaxValue);
        var color = Opt.OneOf("--color", "auto (colour only on a terminal), always or never (default: auto).", ["auto", "always", "never"]);
        var debug = Opt.Flag("--debug", "Progress lines on stderr.");
        var verbose = Opt.Flag("--verbose", "Also the time of each host's max and min, on stderr.");
        var version = Opt.Flag("--version", "Accepted for compatibility and ignored, as the original did.");
        var api = new MackerelApiOptions();
        var definition = Cli.Define(Dialect.GoFlags, Name,
            "Report per host of a Mackerel service role the max/min/avg/p50/p90 of a metric set over the last days.\n" +
            "Example: MACKEREL_APIKEY=... mackerel-low-usage-police -s web -r app --metrics cpu --timewindow 7",
            [.. selection.All, window, prefix, metrics, threshold, color, debug, verbose, version, .. api.All]);

        return Cli.Run(definition, args, parsed =>
        {
            try
            {
                var (service, _) = selection.Required(parsed);
                var setName = parsed.GetValue(metrics) ?? "cpu";
                if (!MetricSets.TryGetValue(setName, out var set))
                    throw new UsageException($"--metrics takes cpu, iops or loadavg, got '{Opt.Shorten(setName)}'");
                bool paint = (parsed.GetValue(color) ?? "auto") switch
                {
                    "auto" => terminal,
                    "always" => true,
                    "never" => false,
                    var other => throw new UsageException($"--color takes auto, always or never, got '{Opt.Shorten(other)}'"),
                };
                var client = api.Client(parsed, context.GetEnv);
                var log = parsed.GetValue(debug) ? context.Err : TextWriter.Null;

                if (!client.ServiceNames().Contains(service, StringComparer.Ordinal))
                    throw new DataSourceException($"service {service} does not exist");
                var hosts = selection.Hosts(parsed, client);
                long now = context.NowEpoch;
                int windows = 2 * parsed.GetValue(window);
                var stats = client.ForEachHost(hosts, h =>
                {
                    var perMetric = set.Select(m => client.Series(h.Id, m, now, windows)).ToList();
                    lock (log) log.WriteLine($"{Name}: {h.Name} ({h.Id}): {string.Join(", ", perMetric.Select(p => p.Count))} points");
                    return Statistics(Sum(perMetric));
                });
                var rows = hosts.Zip(stats).OrderBy(x => x.First.ShortName, StringComparer.Ordinal).ThenBy(x => x.First.Id, StringComparer.Ordinal).ToList();
                if (parsed.GetValue(verbose))
                    foreach (var (host, st) in rows.Where(x => x.Second is not null))
                        context.Err.WriteLine($"{host.Id} max {NumberFormat.Fixed(st!.Max, 1)} at {st.MaxTime}, min {NumberFormat.Fixed(st.Min, 1)} at {st.MinTime}");
                context.Out.Write(Table(rows.Select(x => (x.First.ShortName, x.Second)).ToList(), parsed.GetValue(threshold), paint));
                return 0;
            }
            catch (DataSourceException e)
            {
                context.Out.Write($"UNKNOWN: {Name}: {e.Message}\n");
                return (int)Status.Unknown;
            }
            finally
            {
                context.Out.Flush();
            }
        });
    }

    /// <summary>The metrics of a set summed per timestamp (a metric missing at a timestamp adds nothing).</summary>
    public static SortedDictionary<long, double> Sum(IEnumerable<IReadOnlyDictionary<long, double>> series)
    {
        var sum = new SortedDictionary<long, double>();
        foreach (var one in series)
            foreach (var (time, value) in one)
                sum[time] = sum.TryGetValue(time, out var v) ? v + value : value;
        return sum;
    }

    /// <summary>
    /// max, min, avg, and p50/p90 = the element at index floor(n·p/100) − 1 of the sorted values, clamped to 0
    /// (the original failed the whole run below two points); null without points.
    /// </summary>
    public static UsageStats? Statistics(IReadOnlyDictionary<long, double> series)
    {
        if (series.Count == 0) return null;
        var sorted = series.Values.OrderBy(v => v).ToArray();
        double At(int percent) => sorted[Math.Max(0, sorted.Length * percent / 100 - 1)];
        var max = series.MaxBy(p => p.Value);
        var min = series.MinBy(p => p.Value);
        return new UsageStats(max.Value, min.Value, series.Values.Sum() / series.Count, At(50), At(90), max.Key, min.Key);
    }

    /// <summary>
    /// Header and one tab-separated row per host with one decimal; a row whose avg is below
    /// <paramref name="threshold"/> is wrapped in ANSI red when <paramref name="paint"/>.
    /// </summary>
    public static string Table(IReadOnlyList<(string Host, UsageStats? Stats)> rows, double threshold, bool paint)
    {
        int widest = rows.Count == 0 ? 0 : rows.Max(r => r.Host.Length);
        var text = new StringBuilder();
        text.Append(widest < 22 ? "host\t\t\tmax\tmin\tavg\tp50\tp90\n" : "host\t\t\t\t\tmax\tmin\tavg\tp50\tp90\n");
        foreach (var (host, st) in rows)
        {
            if (st is null)
            {
                text.Append($"{host}\tno data\n");
                continue;
            }
            var line = string.Join('\t', new[] { st.Max, st.Min, st.Avg, st.P50, st.P90 }
                .Select(v => NumberFormat.Fixed(v, 1)).Prepend(host));
            text.Append(paint && st.Avg < threshold ? $"\u001b[31m{line}\u001b[0m\n" : line + "\n");
        }
        return text.ToString();
    }
}

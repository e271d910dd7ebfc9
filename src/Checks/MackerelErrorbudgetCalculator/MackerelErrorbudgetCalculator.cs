using System.Globalization;
using MetaCheck.Checks.Framework;
using MetaCheck.Checks.MackerelApi;
using MetaCheck.Core;

namespace MetaCheck.Checks.MackerelErrorbudgetCalculator;

/// <summary>The three numbers the plugin prints.</summary>
public sealed record ErrorBudget(int Points, int Violations, double BudgetPercent, double Remaining);

/// <summary>
/// ryuichi1208's mackerel-errorbudget-calculator: an SLO error budget from a latency-like host metric in
/// Mackerel, averaged over the hosts of a service role, printed as go-mackerel-plugin metrics.
/// </summary>
public static class MackerelErrorbudgetCalculator
{
    public const string Name = "mackerel-plugin-errorbudget-calculator";
    public const string OldName = "mackerel-errorbudget-calculator";
    public const string Version = "0.1.0";

    public static int Main(string[] args) => Main(args, PluginContext.System());

    public static int Main(string[] args, PluginContext context)
    {
        if (args.Contains("--version"))
        {
            context.Out.Write($"{Name} {Version}\n");
            context.Out.Flush();
            return 0;
        }
        var selection = new HostSelectionOptions();
        var metric = Opt.Text("--metrics", "Host metric to evaluate, e.g. custom.nginx.latency.p90 (required).", "-m");
        var objective = Opt.GoFloat("--objective-latency", "A point above this value is a violation (default: 100).");
        var size = Opt.GoFloat("--errorbudget-size", "SLO target in percent, 0-100 (default: 99.9).");
        var window = Opt.Int("--timewindow", "Days to look back, 1-30.", 30, 1, 30);
        var prefix = Opt.Text("--prefix", "Graph label (default: automatic titles).");
        var version = Opt.Flag("--version", "Print the version and exit.");
        var debug = Opt.Flag("--debug", "Progress lines on stderr.");
        var api = new MackerelApiOptions();
        var definition = Cli.Define(Dialect.GoFlags, Name,
            "SLO error budget of a host metric averaged over a service role, from the Mackerel API.\n" +
            "Example: MACKEREL_APIKEY=... mackerel-plugin-errorbudget-calculator -s web -r app -m custom.latency.p90 --objective-latency 200",
            [.. selection.All, metric, objective, size, window, prefix, version, debug, .. api.All]);

        return Plugin.GoMetrics(definition, args, context, parsed => Definition(parsed.GetValue(prefix) ?? "").Definitions(), parsed =>
        {
            selection.Required(parsed); // every usage error before the first API request
            var m = parsed.GetValue(metric) ?? throw new UsageException("--metrics is required, e.g. -m custom.latency.p90");
            double limit = Number(parsed.GetValue(objective), "--objective-latency", 100, double.MinValue, double.MaxValue);
            double target = Number(parsed.GetValue(size), "--errorbudget-size", 99.9, 0, 100);
            var client = api.Client(parsed, context.GetEnv);
            var log = parsed.GetValue(debug) ? context.Err : TextWriter.Null;

            var hosts = selection.Hosts(parsed, client);
            long now = context.NowEpoch;
            var series = client.ForEachHost(hosts, h =>
            {
                var points = client.Series(h.Id, m, now, 2 * parsed.GetValue(window));
                lock (log) log.WriteLine($"{Name}: {h.Name} ({h.Id}): {points.Count} points of {m}");
                return (IReadOnlyDictionary<long, double>)points;
            });
            var budget = Calculate(Average(series), limit, target);
            if (budget.Points == 0)
                throw new DataSourceException($"no points of {m} on {hosts.Count} host(s) in the last {parsed.GetValue(window)} day(s)");
            return Definition(parsed.GetValue(prefix) ?? "").Report(new Dictionary<string, double>
            {
                ["ViolationCount"] = budget.Violations,
                ["ErrorBudget"] = budget.Remaining,
                ["ErrorBudgetPercent"] = budget.BudgetPercent,
            }, null, context.NowEpoch);
        });
    }

    public static GoMackerelPlugin Definition(string label) => new(Name, null,
    [
        new GoGraph("violationCount", label, "integer", [new("ViolationCount", "violation_count"), new("ErrorBudget", "error_budget")]),
        new GoGraph("errorBudget", label, "percentage", [new("ErrorBudgetPercent", "budget")]),
    ]);

    /// <summary>
    /// Per timestamp of ANY host, the mean over the hosts that have a point there (the original used only the
    /// first-finished host's timestamps and divided by all hosts, counting missing points as 0).
    /// </summary>
    public static SortedDictionary<long, double> Average(IReadOnlyList<IReadOnlyDictionary<long, double>> hosts)
    {
        var sums = new SortedDictionary<long, (double Sum, int Count)>();
        foreach (var host in hosts)
            foreach (var (time, value) in host)
                sums[time] = sums.TryGetValue(time, out var a) ? (a.Sum + value, a.Count + 1) : (value, 1);
        var mean = new SortedDictionary<long, double>();
        foreach (var (time, (sum, count)) in sums) mean[time] = sum / count;
        return mean;
    }

    /// <summary>
    /// V = points strictly above <paramref name="objective"/>; budget % = 100 − V/N·100 (NaN for N = 0);
    /// remaining = N − N·<paramref name="targetPercent"/>/100 − V points.
    /// </summary>
    public static ErrorBudget Calculate(IReadOnlyDictionary<long, double> averaged, double objective, double targetPercent)
    {
        int n = averaged.Count;
        int v = averaged.Values.Count(x => x > objective);
        return new ErrorBudget(n, v, 100 - (double)v / n * 100, n - n * targetPercent / 100 - v);
    }

    private static double Number(double? given, string option, double fallback, double min, double max)
    {
        if (given is not { } value) return fallback;
        if (value < min || value > max)
            throw new UsageException($"{option} must be between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}, got {value.ToString(CultureInfo.InvariantCulture)}");
        return value;
    }
}

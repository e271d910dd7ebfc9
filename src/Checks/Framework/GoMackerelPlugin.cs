using System.Text;

namespace MetaCheck.Checks.Framework;

/// <summary>One series of a go-mackerel-plugin graph: looked up by <see cref="Name"/> in the fetched values.</summary>
/// <param name="Label">Empty → the auto-title of the name in the meta JSON.</param>
/// <param name="Diff">Printed as a per-minute rate against the previous sample.</param>
/// <param name="Scale">Non-zero → the (possibly diffed) value is multiplied by it.</param>
public sealed record GoMetric(string Name, string Label = "", bool Diff = false, double Scale = 0, bool Stacked = false);

/// <summary>A go-mackerel-plugin graph. <see cref="Key"/> may be empty (names are then `prefix.metric`).</summary>
public sealed record GoGraph(string Key, string Label, string Unit, IReadOnlyList<GoMetric> Metrics);

/// <summary>
/// The behaviour of mackerelio/go-mackerel-plugin that ryuichi1208's metric plugins rely on: graph
/// definitions with an optional metric-key prefix, `[prefix.]graphKey.metric` names, Go number format,
/// per-minute diff metrics (previous sample in the MetaCheck store via <see cref="Counters.Exchange"/>),
/// and the meta JSON with auto-titles.
/// </summary>
/// <param name="Plugin">The command name; with the arguments it identifies the stored sample.</param>
/// <param name="Prefix">The metric key prefix, or null for plugins that have no prefix method.</param>
public sealed record GoMackerelPlugin(string Plugin, string? Prefix, IReadOnlyList<GoGraph> Graphs)
{
    /// <summary>A diff older than this is printed as 0, as the library did.</summary>
    public const long MaxDiffSeconds = 600;

    public bool HasDiff => Graphs.Any(g => g.Metrics.Any(m => m.Diff));

    /// <summary>The graph key as printed: `prefix.key`, just `prefix` for an empty key, or the key alone.</summary>
    public string FullKey(string graphKey) => Prefix is null ? graphKey : graphKey.Length == 0 ? Prefix : $"{Prefix}.{graphKey}";

    /// <summary>Graph definitions for the meta JSON: sorted by key (Go map encoding), auto-titled, stacked always set.</summary>
    public IEnumerable<Graph> Definitions() => Graphs
        .Select(g =>
        {
            var key = FullKey(g.Key);
            return new Graph(key, g.Label.Length == 0 ? AutoTitle(key) : g.Label, g.Unit,
                [.. g.Metrics.Select(m => new GraphMetric(m.Name, m.Label.Length == 0 ? AutoTitle(m.Name) : m.Label, m.Stacked))]);
        })
        .OrderBy(g => g.Key, StringComparer.Ordinal);

    /// <summary>
    /// One output pass: swaps the stored sample (only when a graph has diff metrics) and computes the lines.
    /// A previous sample less than one second old is kept and nothing is printed.
    /// </summary>
    public MetricReport Collect(PluginContext context, IReadOnlyList<string> args, IReadOnlyDictionary<string, double> values)
    {
        long now = context.NowEpoch;
        if (!HasDiff) return Report(values, null, now, context.Err);
        var previous = Counters.Exchange(context, Plugin, args, new Sample(now, values), TooRecent(now));
        if (previous is not null && TooRecent(now)(previous))
        {
            context.Err.WriteLine($"{Plugin}: the previous sample is less than 1 s old; nothing printed this time");
            return MetricReport.GoStyle();
        }
        return Report(values, previous, now, context.Err);
    }

    private static Func<Sample, bool> TooRecent(long now) => previous => now - previous.Epoch < 1;

    /// <summary>Pure: the lines for <paramref name="values"/>, diffing against <paramref name="previous"/> (null = first run).</summary>
    public MetricReport Report(IReadOnlyDictionary<string, double> values, Sample? previous, long now, TextWriter? log = null)
    {
        var report = MetricReport.GoStyle();
        foreach (var graph in Graphs)
        {
            var key = FullKey(graph.Key);
            foreach (var metric in graph.Metrics)
            {
                if (!values.TryGetValue(metric.Name, out var value)) continue;
                if (metric.Diff)
                {
                    if (previous?[metric.Name] is not { } last) continue;
                    value = Rate(metric.Name, value, last, now - previous.Epoch, log);
                }
                if (metric.Scale != 0) value *= metric.Scale;
                report.Add(key.Length == 0 ? metric.Name : $"{key}.{metric.Name}", value);
            }
        }
        return report;
    }

    /// <summary>Per-minute rate; 0 after more than 600 s or when the counter went backwards.</summary>
    public static double Rate(string name, double current, double last, long elapsedSeconds, TextWriter? log = null)
    {
        if (elapsedSeconds > MaxDiffSeconds)
        {
            log?.WriteLine($"{name}: the previous sample is {elapsedSeconds} s old (more than {MaxDiffSeconds} s); printing 0");
            return 0;
        }
        if (elapsedSeconds <= 0) return 0;
        var diff = (current - last) * 60 / elapsedSeconds;
        if (diff < 0)
        {
            log?.WriteLine($"{name}: the counter went backwards (reset?); printing 0");
            return 0;
        }
        return diff;
    }

    /// <summary>
    /// Go's strings.Title: a letter right after a separator (anything but a letter, digit or `_`) or at
    /// the start is upper-cased; the rest is left as it is.
    /// </summary>
    public static string GoTitle(string text)
    {
        var sb = new StringBuilder(text.Length);
        char prev = ' ';
        foreach (var c in text)
        {
            bool separator = !(char.IsLetterOrDigit(prev) || prev == '_');
            sb.Append(separator ? char.ToUpperInvariant(c) : c);
            prev = c;
        }
        return sb.ToString();
    }

    /// <summary>The library's title for an empty label: `.`/`_` → space, `*`/`#` removed, words capitalised, trimmed.</summary>
    public static string AutoTitle(string name) =>
        GoTitle(name.Replace('.', ' ').Replace('_', ' ').Replace("*", "").Replace("#", "")).Trim();
}

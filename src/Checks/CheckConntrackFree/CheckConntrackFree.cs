using System.Globalization;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;

namespace MetaCheck.Checks.CheckConntrackFree;

/// <summary>kazeburo's check-conntrack-free: alert when the conntrack table has fewer than -w/-c free slots.</summary>
public static class CheckConntrackFree
{
    public const string Name = "check-conntrack-free";

    public static int Main(string[] args) => Main(args, PluginContext.System());

    public static int Main(string[] args, PluginContext context)
    {
        var warning = Opt.Threshold("-w", "WARNING when fewer than this many conntrack slots are free.", PlainNumber.Int(0, int.MaxValue), ThresholdRange.Below, null, "--warning");
        var critical = Opt.Threshold("-c", "CRITICAL when fewer than this many conntrack slots are free.", PlainNumber.Int(0, int.MaxValue), ThresholdRange.Below, null, "--critical");
        var definition = Cli.Define(Dialect.GetoptLong, Name, "Alert when the netfilter connection-tracking table is nearly full. Example: check-conntrack-free -w 10000 -c 1000",
            warning, critical);
        return Plugin.Check(definition, args, context, parsed =>
        {
            ThresholdRange? w = parsed.GetValue(warning), c = parsed.GetValue(critical);
            if (w is null && c is null) throw new UsageException("give -w or -c (free slots), or both");
            long max = ReadCounter(context.Paths.Proc("sys/net/netfilter/nf_conntrack_max"));
            long count = ReadCounter(context.Paths.Proc("sys/net/netfilter/nf_conntrack_count"));
            return Evaluate(max, count, w, c);
        });
    }

    /// <summary>One whole number per file; a missing file usually means nf_conntrack is not loaded.</summary>
    public static long ReadCounter(string path)
    {
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new DataSourceException($"cannot read {path}: no such file (is the nf_conntrack module loaded?)");
        var text = DataSource.ReadText(path).Trim();
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            throw new DataSourceException($"cannot parse {path}: expected a whole number, got '{Opt.Shorten(text)}'");
        return value;
    }

    /// <summary>
    /// Pure. A plain -w/-c alerts when fewer slots than it are free, in the original's words; a range alerts
    /// where the guidelines say, and the message names it.
    /// </summary>
    public static CheckResult Evaluate(long max, long count, ThresholdRange? warning, ThresholdRange? critical)
    {
        long free = max - count;
        var text = $"free:{free} max:{max} count:{count}";
        var (status, applied) = ThresholdRange.Grade(free, warning, critical);
        var result = CheckResult.Of(status, applied is null ? text : $"{Breach(applied, free)} | {text}");
        // No minimum for free: a count above a lowered nf_conntrack_max leaves it negative.
        return result with { Perfdata = [new PerfValue("free", free, "", warning, critical, Max: max), new PerfValue("count", count, "", Min: 0, Max: max)] };
    }

    private static string Breach(ThresholdRange threshold, long free) => threshold.Plain is { } plain
        ? $"free nf_conntrack < {ThresholdRange.Number(plain)}"
        : $"free nf_conntrack {free} is {threshold.Where}";
}

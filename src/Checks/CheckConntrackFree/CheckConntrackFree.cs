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
        var warning = Opt.OptionalInt("-w", "WARNING when fewer than this many conntrack slots are free.", 0, int.MaxValue, "--warning");
        var critical = Opt.OptionalInt("-c", "CRITICAL when fewer than this many conntrack slots are free.", 0, int.MaxValue, "--critical");
        var definition = Cli.Define(Dialect.GetoptLong, Name, "Alert when the netfilter connection-tracking table is nearly full. Example: check-conntrack-free -w 10000 -c 1000",
            warning, critical);
        return Plugin.Check(definition, args, context, parsed =>
        {
            int? w = parsed.GetValue(warning), c = parsed.GetValue(critical);
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

    public static CheckResult Evaluate(long max, long count, int? warning, int? critical)
    {
        long free = max - count;
        var text = $"free:{free} max:{max} count:{count}";
        if (critical is { } c && free < c) return CheckResult.Of(Status.Critical, $"free nf_conntrack < {c} | {text}");
        if (warning is { } w && free < w) return CheckResult.Of(Status.Warning, $"free nf_conntrack < {w} | {text}");
        return CheckResult.Of(Status.Ok, text);
    }
}

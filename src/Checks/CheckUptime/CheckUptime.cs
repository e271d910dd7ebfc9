using System.Globalization;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;

namespace MetaCheck.Checks.CheckUptime;

/// <summary>kazeburo's check-uptime: alert on a recent reboot (uptime below -w/-c seconds).</summary>
public static class CheckUptime
{
    public const string Name = "check-uptime";

    public static int Main(string[] args) => Main(args, PluginContext.System());

    public static int Main(string[] args, PluginContext context)
    {
        var warning = Opt.Threshold("-w", "WARNING when uptime is less than this many seconds.", PlainNumber.Int(0, int.MaxValue), ThresholdRange.Below, null, "--warning");
        var critical = Opt.Threshold("-c", "CRITICAL when uptime is less than this many seconds.", PlainNumber.Int(0, int.MaxValue), ThresholdRange.Below, null, "--critical");
        var verbose = Opt.Verbose();
        var definition = Cli.Define(Dialect.GetoptLong, Name, "Alert when the host rebooted recently. Example: check-uptime -w 600 -c 300", warning, critical, verbose);
        return Plugin.Check(definition, args, context, parsed =>
        {
            ThresholdRange? w = parsed.GetValue(warning), c = parsed.GetValue(critical);
            if (w is null && c is null) throw new UsageException("give -w or -c (seconds), or both");
            var uptime = ReadUptime(context.Paths);
            var result = Evaluate(uptime, w, c);
            return parsed.GetValue(verbose) == 0 ? result : result with { Details = [BootedAt(context.NowEpoch - uptime)] };
        });
    }

    /// <summary>Whole seconds from the first field of /proc/uptime.</summary>
    public static long ReadUptime(HostPaths paths)
    {
        var path = paths.Proc("uptime");
        var text = DataSource.ReadText(path);
        var first = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        if (first is null || !double.TryParse(first, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds < 0)
            throw new DataSourceException($"cannot parse {path}: expected seconds, got '{text.Trim()}'");
        return (long)seconds;
    }

    /// <summary>
    /// A plain -w/-c alerts below it, in the original's words; a range alerts where the guidelines say,
    /// and the message names it. The figures the original put after `|` stay there (perfdata mode moves them).
    /// </summary>
    public static CheckResult Evaluate(long uptime, ThresholdRange? warning, ThresholdRange? critical)
    {
        var text = Describe(uptime);
        var (status, applied) = ThresholdRange.Grade(uptime, warning, critical);
        var message = applied is null ? text
            : applied.Plain is { } plain ? $"uptime is less than {ThresholdRange.Number(plain)} | {text}"
            : $"uptime {uptime} s is {applied.Where} | {text}";
        return CheckResult.Of(status, message) with { Perfdata = [new PerfValue("uptime", uptime, "s", warning, critical, 0)] };
    }

    /// <summary>`up 0 days,  0:05`: hours right-aligned in two characters, as the original printed them.</summary>
    public static string Describe(long uptime) =>
        $"up {uptime / 86400} days, {uptime % 86400 / 3600,2}:{uptime % 3600 / 60:00}";

    /// <summary>-v: when the host booted.</summary>
    public static string BootedAt(long epoch) => $"booted at {DetailText.Utc(epoch)}";
}

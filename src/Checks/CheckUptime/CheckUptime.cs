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
        var warning = Opt.OptionalInt("-w", "WARNING when uptime is less than this many seconds.", 0, int.MaxValue, "--warning");
        var critical = Opt.OptionalInt("-c", "CRITICAL when uptime is less than this many seconds.", 0, int.MaxValue, "--critical");
        var definition = Cli.Define(Dialect.GetoptLong, Name, "Alert when the host rebooted recently. Example: check-uptime -w 600 -c 300", warning, critical);
        return Plugin.Check(definition, args, context, parsed =>
        {
            int? w = parsed.GetValue(warning), c = parsed.GetValue(critical);
            if (w is null && c is null) throw new UsageException("give -w or -c (seconds), or both");
            return Evaluate(ReadUptime(context.Paths), w, c);
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

    public static CheckResult Evaluate(long uptime, int? warning, int? critical)
    {
        var text = Describe(uptime);
        if (critical is { } c && uptime < c) return CheckResult.Of(Status.Critical, $"uptime is less than {c} | {text}");
        if (warning is { } w && uptime < w) return CheckResult.Of(Status.Warning, $"uptime is less than {w} | {text}");
        return CheckResult.Of(Status.Ok, text);
    }

    /// <summary>`up 0 days,  0:05`: hours right-aligned in two characters, as the original printed them.</summary>
    public static string Describe(long uptime) =>
        $"up {uptime / 86400} days, {uptime % 86400 / 3600,2}:{uptime % 3600 / 60:00}";
}

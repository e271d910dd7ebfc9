using System.Globalization;
using System.Text.RegularExpressions;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;

namespace MetaCheck.Checks.CheckInode;

/// <summary>
/// One filesystem of `df -i`: its mount point, IUse% and the inode counts (null where df prints `-`,
/// i.e. no inode data).
/// </summary>
public sealed record InodeUsage(string Mount, int? Percent, long? Used = null, long? Total = null)
{
    public override string ToString() => $"{Mount}:{(Percent is { } p ? p.ToString(CultureInfo.InvariantCulture) : "-")}%";
}

/// <summary>kazeburo's check-inode: inode usage of every mounted filesystem, from `df -i`.</summary>
public static partial class CheckInode
{
    public const string Name = "check-inode";

    public static int Main(string[] args) => Main(args, PluginContext.System());

    public static int Main(string[] args, PluginContext context)
    {
        var warning = Opt.Threshold("-w", "WARNING when a filesystem uses at least this percentage of its inodes.", PlainNumber.Int(0, 100), ThresholdRange.AtLeast, null, "--warning");
        var critical = Opt.Threshold("-c", "CRITICAL when a filesystem uses at least this percentage of its inodes.", PlainNumber.Int(0, 100), ThresholdRange.AtLeast, null, "--critical");
        var verbose = Opt.Verbose();
        var definition = Cli.Define(Dialect.GetoptLong, Name, "Alert on inode usage of mounted filesystems (df -i). Example: check-inode -w 80 -c 90", warning, critical, verbose);
        return Plugin.Check(definition, args, context, parsed =>
        {
            ThresholdRange? w = parsed.GetValue(warning), c = parsed.GetValue(critical);
            if (w is null || c is null) throw new UsageException("give both -w and -c (percent of inodes used)");
            var volumes = Parse(Tool.Output(context, "df", "-i"));
            if (volumes.Count == 0) throw new DataSourceException("df -i printed no filesystem line");
            var result = Evaluate(volumes, w, c);
            return parsed.GetValue(verbose) == 0 ? result : result with { Details = [.. volumes.Select(Detail)] };
        });
    }

    /// <summary>
    /// `Filesystem Inodes IUsed IFree IUse% Mounted on` lines. A device name too long for its column
    /// stands alone on a line and its numbers follow, indented, on the next; the mount point is the rest
    /// of the line, spaces included. The header and anything else without a `N%`/`-` column is skipped.
    /// </summary>
    public static IReadOnlyList<InodeUsage> Parse(string dfOutput)
    {
        var volumes = new List<InodeUsage>();
        foreach (var line in dfOutput.Split('\n'))
        {
            var m = DfLine().Match(line);
            if (!m.Success) continue;
            var pct = m.Groups["pct"].Value;
            int? percent = pct == "-" ? null : int.Parse(pct.TrimEnd('%'), CultureInfo.InvariantCulture);
            volumes.Add(new InodeUsage(m.Groups["mount"].Value, percent, Count(m.Groups["used"].Value), Count(m.Groups["total"].Value)));
        }
        return volumes;
    }

    private static long? Count(string text) => long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;

    /// <summary>
    /// Plain -w/-c alert at that percentage or more (the original's rule); the last offending filesystem
    /// in df's order is named. A range alerts where the guidelines say, and the message names the range.
    /// </summary>
    public static CheckResult Evaluate(IReadOnlyList<InodeUsage> volumes, ThresholdRange warning, ThresholdRange critical)
    {
        InodeUsage? warnVolume = null, critVolume = null;
        var perfdata = new List<PerfValue>();
        foreach (var v in volumes)
        {
            if (v.Percent is not { } pct) continue;
            if (warning.Alerts(pct)) warnVolume = v;
            if (critical.Alerts(pct)) critVolume = v;
            perfdata.Add(new PerfValue(v.Mount, pct, "%", warning, critical, 0, 100));
        }
        var list = string.Join(", ", volumes);
        var result = critVolume is not null ? CheckResult.Of(Status.Critical, $"{Breach(critical, critVolume)} | {list}")
            : warnVolume is not null ? new CheckResult(Status.Warning, $"WARNINGS: {Breach(warning, warnVolume)} | {list}")
            : CheckResult.Of(Status.Ok, list);
        return result with { Perfdata = perfdata };
    }

    private static string Breach(ThresholdRange threshold, InodeUsage volume) => threshold.Plain is { } plain
        ? $"used inode more than {ThresholdRange.Number(plain)}% on volume {volume.Mount}"
        : $"inode usage {volume.Percent}% is {threshold.Where} on volume {volume.Mount}";

    /// <summary>-v: one line per filesystem with its counts, as df gave them.</summary>
    public static string Detail(InodeUsage v) => v.Percent is { } pct && v.Used is { } used && v.Total is { } total
        ? $"{v.Mount}: {used} of {total} inodes used ({pct}%)"
        : $"{v.Mount}: no inode data";

    [GeneratedRegex(@"^\S*\s+(?<total>\S+)\s+(?<used>\S+)\s+\S+\s+(?<pct>\d{1,3}%|-)\s+(?<mount>\S.*?)\s*$")]
    private static partial Regex DfLine();
}

using System.Globalization;
using System.Text.RegularExpressions;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;

namespace MetaCheck.Checks.CheckInode;

/// <summary>One filesystem of `df -i`: its mount point and IUse% (null when df prints `-`, i.e. no inode data).</summary>
public sealed record InodeUsage(string Mount, int? Percent)
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
        var warning = Opt.OptionalInt("-w", "WARNING when a filesystem uses at least this percentage of its inodes.", 0, 100, "--warning");
        var critical = Opt.OptionalInt("-c", "CRITICAL when a filesystem uses at least this percentage of its inodes.", 0, 100, "--critical");
        var definition = Cli.Define(Dialect.GetoptLong, Name, "Alert on inode usage of mounted filesystems (df -i). Example: check-inode -w 80 -c 90", warning, critical);
        return Plugin.Check(definition, args, context, parsed =>
        {
            int? w = parsed.GetValue(warning), c = parsed.GetValue(critical);
            if (w is null || c is null) throw new UsageException("give both -w and -c (percent of inodes used)");
            var volumes = Parse(Tool.Output(context, "df", "-i"));
            if (volumes.Count == 0) throw new DataSourceException("df -i printed no filesystem line");
            return Evaluate(volumes, w.Value, c.Value);
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
            volumes.Add(new InodeUsage(m.Groups["mount"].Value, percent));
        }
        return volumes;
    }

    /// <summary>At least -c (or -w) percent alerts; the last offending filesystem in df's order is named.</summary>
    public static CheckResult Evaluate(IReadOnlyList<InodeUsage> volumes, int warning, int critical)
    {
        string? warnMount = null, critMount = null;
        foreach (var v in volumes)
        {
            if (v.Percent is not { } pct) continue;
            if (pct >= warning) warnMount = v.Mount;
            if (pct >= critical) critMount = v.Mount;
        }
        var list = string.Join(", ", volumes);
        if (critMount is not null) return CheckResult.Of(Status.Critical, $"used inode more than {critical}% on volume {critMount} | {list}");
        if (warnMount is not null) return new CheckResult(Status.Warning, $"WARNINGS: used inode more than {warning}% on volume {warnMount} | {list}");
        return CheckResult.Of(Status.Ok, list);
    }

    [GeneratedRegex(@"^\S*\s+\S+\s+\S+\s+\S+\s+(?<pct>\d{1,3}%|-)\s+(?<mount>\S.*?)\s*$")]
    private static partial Regex DfLine();
}

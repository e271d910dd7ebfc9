using System.Globalization;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;

namespace MetaCheck.Checks.CheckVirtmem;

/// <summary>ryuichi1208's go-check-virtmem: Committed_AS as a percentage of CommitLimit.</summary>
public static class CheckVirtmem
{
    public const string Name = "check-virtmem";
    public const string OldName = "go-check-virtmem";

    /// <summary>
    /// As the original's float64 option: `inf` is a threshold never crossed; NaN is refused (it would silently
    /// never alert).
    /// </summary>
    private static readonly PlainNumber Percentage = new("a percentage (90, 92.5, 1e2, or inf for never)", text =>
        Opt.TryParseGoFloat(text, out var v) && !double.IsNaN(v) ? v : null);

    public static int Main(string[] args) => Main(args, PluginContext.System());

    public static int Main(string[] args, PluginContext context)
    {
        var critical = Opt.Threshold("--critical-pct", "CRITICAL when usage is above this percentage (default: 95).", Percentage, Above, 95, "-c");
        var warning = Opt.Threshold("--warning-pct", "WARNING when usage is above this percentage (default: 90).", Percentage, Above, 90, "-w");
        var verbose = Opt.Verbose();
        var definition = Cli.Define(Dialect.GoFlags, Name, "Alert when committed virtual memory (Committed_AS) nears the commit limit. Example: check-virtmem -w 90 -c 95",
            critical, warning, verbose);
        return Plugin.Check(definition, args, context, parsed =>
        {
            var meminfo = MemInfo.Read(context.Paths);
            var path = context.Paths.Proc("meminfo");
            var result = Evaluate(meminfo.RequireBytes("Committed_AS", path), meminfo.RequireBytes("CommitLimit", path), parsed.GetValue(warning)!, parsed.GetValue(critical)!);
            return parsed.GetValue(verbose) == 0 ? result : result with { Details = [Detail(meminfo, path)] };
        });
    }

    /// <summary>
    /// The original's `usage > threshold`. `-inf` (go-flags reads it: always alert) becomes `@~:`, which alerts on
    /// the same values and, unlike `~:-inf`, can be written in performance data.
    /// </summary>
    private static ThresholdRange Above(double percent) => double.IsNegativeInfinity(percent)
        ? new ThresholdRange(double.NegativeInfinity, double.PositiveInfinity, true) { Plain = percent }
        : ThresholdRange.Above(percent);

    /// <summary>Committed_AS / CommitLimit × 100 (may exceed 100; +Inf or NaN when the limit is 0).</summary>
    public static double Usage(double committedAs, double commitLimit) => committedAs / commitLimit * 100;

    /// <summary>
    /// Pure: from the two meminfo fields in bytes (their ratio is the original's, to the last bit: both are
    /// kB × 1024). A plain threshold alerts above it, in the original's words; a range where the guidelines
    /// say, and the message names it.
    /// </summary>
    public static CheckResult Evaluate(double committedAs, double commitLimit, ThresholdRange warning, ThresholdRange critical)
    {
        double usage = Usage(committedAs, commitLimit);
        var (status, applied) = ThresholdRange.Grade(usage, warning, critical);
        var result = CheckResult.Checkers(status, applied is null ? "OK"
            : $"{(status == Status.Critical ? "[CRIT]" : "[WARN]")} VirtMem Usage:{GoF(usage)} %{Where(applied)}", "");
        // A zero CommitLimit gives no percentage to graph (+Inf, NaN); the two byte counts still are.
        PerfValue[] usageValue = double.IsFinite(usage) ? [new PerfValue("usage", usage, "%", warning, critical, 0)] : [];
        return result with
        {
            Perfdata = [.. usageValue, new PerfValue("committed_as", committedAs, "B", Min: 0), new PerfValue("commit_limit", commitLimit, "B", Min: 0)],
        };
    }

    private static string Where(ThresholdRange threshold) => threshold.Plain is null ? $" is {threshold.Where}" : "";

    /// <summary>-v: the two meminfo lines the percentage comes from, as the kernel wrote them.</summary>
    public static string Detail(MemInfo meminfo, string path)
    {
        var committed = meminfo["Committed_AS"]!.Value;
        var limit = meminfo["CommitLimit"]!.Value;
        return string.Create(CultureInfo.InvariantCulture,
            $"Committed_AS {committed.Number} {committed.Unit} of CommitLimit {limit.Number} {limit.Unit} ({path})");
    }

    /// <summary>Go's %f: six decimals, `+Inf`, `NaN`.</summary>
    public static string GoF(double value) =>
        double.IsNaN(value) ? "NaN" : double.IsPositiveInfinity(value) ? "+Inf" : double.IsNegativeInfinity(value) ? "-Inf"
        : NumberFormat.Fixed(value, 6);
}

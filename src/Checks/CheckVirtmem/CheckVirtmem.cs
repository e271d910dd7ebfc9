using System.CommandLine;
using System.Globalization;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;

namespace MetaCheck.Checks.CheckVirtmem;

/// <summary>ryuichi1208's go-check-virtmem: Committed_AS as a percentage of CommitLimit.</summary>
public static class CheckVirtmem
{
    public const string Name = "check-virtmem";
    public const string OldName = "go-check-virtmem";

    public static int Main(string[] args) => Main(args, PluginContext.System());

    public static int Main(string[] args, PluginContext context)
    {
        var critical = Percent("--critical-pct", "CRITICAL when usage is above this percentage (default: 95).", 95, "-c");
        var warning = Percent("--warning-pct", "WARNING when usage is above this percentage (default: 90).", 90, "-w");
        var definition = Cli.Define(Dialect.GoFlags, Name, "Alert when committed virtual memory (Committed_AS) nears the commit limit. Example: check-virtmem -w 90 -c 95", critical, warning);
        return Plugin.Check(definition, args, context, parsed =>
        {
            var meminfo = MemInfo.Read(context.Paths);
            var path = context.Paths.Proc("meminfo");
            var usage = Usage(meminfo.Require("Committed_AS", path), meminfo.Require("CommitLimit", path));
            return Evaluate(usage, parsed.GetValue(warning), parsed.GetValue(critical));
        });
    }

    /// <summary>Committed_AS / CommitLimit × 100 (may exceed 100; +Inf or NaN when the limit is 0).</summary>
    public static double Usage(long committedAs, long commitLimit) => (double)committedAs / commitLimit * 100;

    public static CheckResult Evaluate(double usage, double warning, double critical)
    {
        if (usage > critical) return CheckResult.Checkers(Status.Critical, $"[CRIT] VirtMem Usage:{GoF(usage)} %", "");
        if (usage > warning) return CheckResult.Checkers(Status.Warning, $"[WARN] VirtMem Usage:{GoF(usage)} %", "");
        return CheckResult.Checkers(Status.Ok, "OK", "");
    }

    /// <summary>Go's %f: six decimals, `+Inf`, `NaN`.</summary>
    public static string GoF(double value) =>
        double.IsNaN(value) ? "NaN" : double.IsPositiveInfinity(value) ? "+Inf" : double.IsNegativeInfinity(value) ? "-Inf"
        : NumberFormat.Fixed(value, 6);

    private static Option<double> Percent(string name, string description, double defaultValue, string alias) => new(name, alias)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = r =>
        {
            var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
            // As the original's float64 option: `inf` is a threshold never crossed; NaN would silently never alert.
            if (Opt.TryParseGoFloat(text, out var v) && !double.IsNaN(v)) return v;
            r.AddError($"{name} takes a percentage (90, 92.5, 1e2, or inf for never), got '{Opt.Shorten(text)}'");
            return defaultValue;
        },
    };
}

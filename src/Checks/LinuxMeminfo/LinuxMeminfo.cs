using System.CommandLine;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;

namespace MetaCheck.Checks.LinuxMeminfo;

/// <summary>
/// mackerel-plugin-linux-meminfo: the original is an unfinished stub; this is the plugin its name promises.
/// Every /proc/meminfo field worth graphing, in bytes (HugePages_* as counts), grouped into graphs.
/// </summary>
public static class LinuxMeminfo
{
    public const string Name = "mackerel-plugin-linux-meminfo";

    public static int Main(string[] args) => Main(args, PluginContext.System());

    public static int Main(string[] args, PluginContext context)
    {
        var prefix = new Option<string?>("--metric-key-prefix") { Description = "Metric key prefix (default: meminfo)." };
        var definition = Cli.Define(Dialect.NoArguments, Name, "Every /proc/meminfo field worth graphing, in bytes.", prefix);
        return Plugin.GoMetrics(definition, args, context,
            parsed => Define(parsed.GetValue(prefix)).Definitions(),
            parsed => Define(parsed.GetValue(prefix)).Collect(context, args, Fetch(MemInfo.Read(context.Paths))));
    }

    /// <summary>(graph key, label, unit, meminfo fields). Fields the kernel lacks are simply not printed.</summary>
    public static readonly (string Key, string Label, string Unit, string[] Fields)[] Groups =
    [
        ("usage", "Meminfo usage", "bytes", ["MemTotal", "MemFree", "MemAvailable", "Buffers", "Cached"]),
        ("lru", "Meminfo LRU lists", "bytes",
            ["Active(anon)", "Inactive(anon)", "Active(file)", "Inactive(file)", "Unevictable", "Active", "Inactive", "Mlocked"]),
        ("swap", "Meminfo swap", "bytes", ["SwapTotal", "SwapFree", "SwapCached", "Zswap", "Zswapped"]),
        ("writeback", "Meminfo dirty and writeback", "bytes", ["Dirty", "Writeback", "WritebackTmp", "NFS_Unstable", "Bounce"]),
        ("mapped", "Meminfo anonymous, mapped and shared", "bytes",
            ["AnonPages", "Mapped", "Shmem", "AnonHugePages", "ShmemHugePages", "ShmemPmdMapped", "FileHugePages", "FilePmdMapped"]),
        ("kernel", "Meminfo kernel", "bytes",
            ["Slab", "SReclaimable", "SUnreclaim", "KReclaimable", "KernelStack", "PageTables", "SecPageTables", "Percpu", "VmallocUsed", "HardwareCorrupted"]),
        ("commit", "Meminfo commit", "bytes", ["CommitLimit", "Committed_AS"]),
        ("hugepages", "Meminfo huge pages", "integer", ["HugePages_Total", "HugePages_Free", "HugePages_Rsvd", "HugePages_Surp"]),
        ("hugetlb", "Meminfo hugetlb", "bytes", ["Hugetlb"]),
    ];

    /// <summary>`Active(anon)` → `Active_anon`: metric names allow only [-a-zA-Z0-9_.].</summary>
    public static string MetricName(string field) => field.Replace("(", "_").Replace(")", "");

    public static GoMackerelPlugin Define(string? prefixOption)
    {
        var prefix = string.IsNullOrEmpty(prefixOption) ? "meminfo" : prefixOption;
        return new GoMackerelPlugin(Name, prefix,
            [.. Groups.Select(g => new GoGraph(g.Key, g.Label, g.Unit, [.. g.Fields.Select(f => new GoMetric(MetricName(f), f))]))]);
    }

    /// <summary>Every field, by metric name: sized fields in bytes, counts as they are.</summary>
    public static Dictionary<string, double> Fetch(MemInfo meminfo)
    {
        var values = new Dictionary<string, double>();
        foreach (var field in meminfo.Fields) values[MetricName(field.Name)] = field.Bytes;
        return values;
    }
}

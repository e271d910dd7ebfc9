using System.CommandLine;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;

namespace MetaCheck.Checks.LinuxVirtMem;

/// <summary>ryuichi1208's mackerel-plugin-linux-virt-mem: Committed_AS and CommitLimit in bytes.</summary>
public static class LinuxVirtMem
{
    public const string Name = "mackerel-plugin-linux-virt-mem";

    public static int Main(string[] args) => Main(args, PluginContext.System());

    public static int Main(string[] args, PluginContext context)
    {
        var prefix = new Option<string?>("--metric-key-prefix") { Description = "Metric key prefix (default: VirtualMemory; an explicit empty value gives virtmem)." };
        var definition = Cli.Define(Dialect.GoFlag, Name, "Committed virtual memory and the commit limit, in bytes.", prefix);
        return Plugin.GoMetrics(definition, args, context,
            parsed => Plugin_(parsed.GetValue(prefix)).Definitions(),
            parsed => Plugin_(parsed.GetValue(prefix)).Collect(context, args, Fetch(MemInfo.Read(context.Paths))));
    }

    /// <summary>Unset → VirtualMemory; an explicitly empty prefix → virtmem (as the original).</summary>
    public static string EffectivePrefix(string? option) => option is null ? "VirtualMemory" : option.Length == 0 ? "virtmem" : option;

    public static GoMackerelPlugin Plugin_(string? option)
    {
        var prefix = EffectivePrefix(option);
        return new GoMackerelPlugin(Name, prefix,
        [
            new GoGraph("", GoMackerelPlugin.GoTitle(prefix), "bytes",
            [
                new GoMetric("CommittedAS", "Committed_AS", Scale: 1024),
                new GoMetric("CommitLimit", "CommitLimit", Scale: 1024),
            ]),
        ]);
    }

    /// <summary>kB values; a field the kernel lacks is simply not printed.</summary>
    public static Dictionary<string, double> Fetch(MemInfo meminfo)
    {
        var values = new Dictionary<string, double>();
        if (meminfo.Number("Committed_AS") is { } committed) values["CommittedAS"] = committed;
        if (meminfo.Number("CommitLimit") is { } limit) values["CommitLimit"] = limit;
        return values;
    }
}

using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;

namespace MetaCheck.Checks.LinuxLite;

/// <summary>
/// kazeburo's mackerel-plugin-linux-lite: available memory, load average per CPU, process counts and CPU usage
/// percentages (deltas of /proc/stat kept in the MetaCheck store).
/// </summary>
public static partial class LinuxLite
{
    public const string Name = "mackerel-plugin-linux-lite";

    /// <summary>The ten /proc/stat cpu columns, in file order (= output order).</summary>
    public static readonly string[] CpuKeys =
        ["cpu-user", "cpu-nice", "cpu-system", "cpu-idle", "cpu-iowait", "cpu-irq", "cpu-softirq", "cpu-steal", "cpu-guest", "cpu-guest-nice"];

    /// <summary>Steal time is reported as 0 this long after boot (hypervisors report bogus steal early on).</summary>
    public const long StealGraceSeconds = 180;

    public static int Main(string[] args) => Main(args, PluginContext.System());

    public static int Main(string[] args, PluginContext context)
    {
        var definition = Cli.Define(Dialect.NoArguments, Name, "Light-weight OS metrics: available memory, load per CPU, processes, CPU usage.");
        return Plugin.Metrics(definition, args, context, _ => Graphs, _ =>
        {
            var report = MetricReport.PerlStyle();
            report.Add("linux-lite.memory.avail", Available(MemInfo.Read(context.Paths), context.Paths.Proc("meminfo")));
            report.Add("linux-lite.loadavg.per-cpu", LoadPerCpu(context.Paths));
            var (all, running) = CountProcesses(Ps(context));
            report.Add("linux-lite.process.all", all).Add("linux-lite.process.running", running);

            var statPath = context.Paths.Proc("stat");
            var current = CpuCounters(DataSource.ReadText(statPath), statPath);
            var sample = new Sample(context.NowEpoch, CpuKeys.Select((k, i) => (k, i)).ToDictionary(x => x.k, x => current[x.i]));
            var previous = Counters.Exchange(context, Name, args, sample);
            if (previous is not null)
            {
                double[] last = [.. CpuKeys.Select(k => previous[k] ?? 0)];
                var uptime = CheckUptime.CheckUptime.ReadUptime(context.Paths);
                foreach (var (key, value) in CpuUsage(last, current, uptime)) report.Add($"linux-lite.cpu-usage.{key}", value);
            }
            return report;
        });
    }

    public static IReadOnlyList<Graph> Graphs { get; } =
    [
        new("linux-lite.memory", "LinuxLite Available memory", "bytes", [new GraphMetric("avail", "avaiable memory", false, false)]),
        new("linux-lite.loadavg", "LinuxLite Load Average per CPU", "float", [new GraphMetric("per-cpu", "load average", false, false)]),
        new("linux-lite.process", "LinuxLite Number of Processes", "integer",
            [new GraphMetric("all", "all", false, false), new GraphMetric("running", "running", false, false)]),
        new("linux-lite.cpu-usage", "LinuxLite CPU Usage max 100%", "float",
            [.. Enumerable.Reverse(CpuKeys).Select(k => new GraphMetric(k, k["cpu-".Length..], true, false))]),
    ];

    /// <summary>MemFree + Cached + Inactive, in bytes (each field's own unit applied, as the original did).</summary>
    public static double Available(MemInfo meminfo, string path) =>
        meminfo.RequireBytes("MemFree", path) + meminfo.RequireBytes("Cached", path) + meminfo.RequireBytes("Inactive", path);

    public static double LoadPerCpu(HostPaths paths)
    {
        var loadPath = paths.Proc("loadavg");
        var text = DataSource.ReadText(loadPath);
        var first = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        if (first is null || !double.TryParse(first, NumberStyles.Float, CultureInfo.InvariantCulture, out var load))
            throw new DataSourceException($"cannot parse {loadPath}: expected the load average, got '{Opt.Shorten(text.Trim())}'");
        var cpuinfo = paths.Proc("cpuinfo");
        int processors = CountProcessors(DataSource.ReadText(cpuinfo));
        if (processors == 0) throw new DataSourceException($"{cpuinfo} lists no processor");
        return load / processors;
    }

    /// <summary>Lines starting with `processor`, optional blanks, then `:`.</summary>
    public static int CountProcessors(string cpuinfo) => ProcessorLine().Count(cpuinfo);

    private static string Ps(PluginContext context)
    {
        string[] argv = ["ps", "axwwo", "pid,state"];
        var result = DataSource.Run(context, argv);
        if (result.ExitCode != 0)
            throw new DataSourceException($"{DataSource.ShellJoin(argv)} exited with {result.ExitCode}: {Encoding.UTF8.GetString(result.Stderr).Trim()}");
        return Encoding.UTF8.GetString(result.Stdout);
    }

    /// <summary>`ps axwwo pid,state` lines `  PID STATE`: all of them, and those whose state is exactly R.</summary>
    public static (int All, int Running) CountProcesses(string psOutput)
    {
        int all = 0, running = 0;
        foreach (var line in psOutput.Split('\n'))
        {
            var m = PsLine().Match(line);
            if (!m.Success) continue;
            all++;
            if (m.Groups[1].Value == "R") running++;
        }
        return (all, running);
    }

    /// <summary>The first ten numbers of the aggregate `cpu ` line (missing columns are 0).</summary>
    public static double[] CpuCounters(string stat, string path)
    {
        foreach (var line in stat.Split('\n'))
        {
            if (line.Length < 4 || !line.StartsWith("cpu", StringComparison.Ordinal) || !char.IsWhiteSpace(line[3])) continue;
            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            var counters = new double[CpuKeys.Length];
            for (int i = 0; i < counters.Length && i + 1 < parts.Length; i++)
            {
                if (!double.TryParse(parts[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out counters[i]))
                    throw new DataSourceException($"cannot parse {path}: '{Opt.Shorten(line)}'");
            }
            return counters;
        }
        throw new DataSourceException($"{path} has no aggregate cpu line");
    }

    /// <summary>
    /// Each column's share of the summed deltas, in percent (negative deltas are 0; steal is 0 during the
    /// first 180 s of uptime). Guest columns are counted twice, as in the original. Nothing when the total is 0.
    /// </summary>
    public static IReadOnlyList<(string Key, double Percent)> CpuUsage(double[] previous, double[] current, long uptimeSeconds)
    {
        var deltas = new double[CpuKeys.Length];
        for (int i = 0; i < deltas.Length; i++) deltas[i] = Math.Max(0, current[i] - previous[i]);
        if (uptimeSeconds < StealGraceSeconds) deltas[7] = 0;
        double total = deltas.Sum();
        if (total <= 0) return [];
        return [.. CpuKeys.Select((k, i) => (k, deltas[i] / total * 100))];
    }

    [GeneratedRegex(@"^processor\s*:", RegexOptions.Multiline)]
    private static partial Regex ProcessorLine();

    [GeneratedRegex(@"^\s*\d+\s+(\w+)$")]
    private static partial Regex PsLine();
}

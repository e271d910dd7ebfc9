using System.Globalization;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;

namespace MetaCheck.Checks.LinuxTcpMemory;

/// <summary>
/// ryuichi1208's mackerel-plugin-linux-tcp-memory: TCP/UDP socket memory in use (/proc/net/sockstat) and the
/// kernel's min/pressure/max limits (/proc/sys/net/ipv4/tcp_mem, udp_mem), all pages × page size.
/// </summary>
public static class LinuxTcpMemory
{
    public const string Name = "mackerel-plugin-linux-tcp-memory";

    public static int Main(string[] args) => Main(args, PluginContext.System());

    public static int Main(string[] args, PluginContext context)
    {
        var definition = Cli.Define(Dialect.NoArguments, Name, "TCP and UDP socket memory in use and the kernel's min/pressure/max limits, in bytes.");
        return Plugin.GoMetrics(definition, args, context,
            _ => Definition.Definitions(),
            _ => Definition.Collect(context, args, Fetch(context.Paths, Environment.SystemPageSize)));
    }

    /// <summary>No prefix method: names are `linutTcp.…` (typo and `udpPressure` kept for compatibility).</summary>
    public static readonly GoMackerelPlugin Definition = new(Name, null,
    [
        new GoGraph("linutTcp.tcpMem", "Linux Tcp Memory", "integer", [new GoMetric("tcp_memory_size", "tcp_memory")]),
        new GoGraph("linutTcp.tcpMemMin", "Linux Tcp Memory", "integer", [new GoMetric("tcp_memory_size_min", "tcp_memory")]),
        new GoGraph("linutTcp.tcpMemPressure", "Linux Tcp Memory", "integer", [new GoMetric("tcp_memory_size_pressure", "tcp_memory")]),
        new GoGraph("linutTcp.tcpMemMax", "Linux Tcp Memory", "integer", [new GoMetric("tcp_memory_size_max", "tcp_memory")]),
        new GoGraph("linutTcp.udpMem", "Linux udp Memory", "integer", [new GoMetric("udp_memory_size", "udp_memory")]),
        new GoGraph("linutTcp.udpMemMin", "Linux udp Memory", "integer", [new GoMetric("udp_memory_size_min", "udp_memory")]),
        new GoGraph("linutTcp.udpPressure", "Linux udp Memory", "integer", [new GoMetric("udp_memory_size_pressure", "udp_memory")]),
        new GoGraph("linutTcp.udpMemMax", "Linux udp Memory", "integer", [new GoMetric("udp_memory_size_max", "udp_memory")]),
    ]);

    public static Dictionary<string, double> Fetch(HostPaths paths, long pageSize)
    {
        var values = new Dictionary<string, double>();
        var (tcp, udp) = SockstatPages(paths.Proc("net/sockstat"));
        values["tcp_memory_size"] = tcp * pageSize;
        values["udp_memory_size"] = udp * pageSize;
        foreach (var proto in new[] { "tcp", "udp" })
        {
            var path = paths.Proc($"sys/net/ipv4/{proto}_mem");
            var (min, pressure, max) = Limits(DataSource.ReadText(path), path);
            values[$"{proto}_memory_size_min"] = min * pageSize;
            values[$"{proto}_memory_size_pressure"] = pressure * pageSize;
            values[$"{proto}_memory_size_max"] = max * pageSize;
        }
        return values;
    }

    /// <summary>`min pressure max` in pages, as in /proc/sys/net/ipv4/tcp_mem.</summary>
    public static (long Min, long Pressure, long Max) Limits(string text, string path)
    {
        var parts = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 3 && TryPages(parts[0], out var min) && TryPages(parts[1], out var pressure) && TryPages(parts[2], out var max))
            return (min, pressure, max);
        throw new DataSourceException($"cannot parse {path}: expected three page counts, got '{Opt.Shorten(text.Trim())}'");
    }

    /// <summary>Pages in use: the last token of the `TCP:` line and of the `UDP:` line (not `UDPLITE:`); a missing line is 0.</summary>
    public static (long Tcp, long Udp) SockstatPages(string path)
    {
        long tcp = 0, udp = 0;
        foreach (var line in DataSource.ReadLines(path))
        {
            bool isTcp = line.Contains("TCP", StringComparison.Ordinal);
            bool isUdp = !isTcp && line.Contains("UDP", StringComparison.Ordinal) && !line.Contains("LITE", StringComparison.Ordinal);
            if (!isTcp && !isUdp) continue;
            var last = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[^1];
            if (!TryPages(last, out var pages))
                throw new DataSourceException($"cannot parse {path}: expected a page count at the end of '{Opt.Shorten(line.Trim())}'");
            if (isTcp) tcp = pages; else udp = pages;
        }
        return (tcp, udp);
    }

    private static bool TryPages(string text, out long pages) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out pages);
}

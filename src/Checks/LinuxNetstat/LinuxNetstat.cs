using System.CommandLine;
using System.Globalization;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;

namespace MetaCheck.Checks.LinuxNetstat;

/// <summary>ryuichi1208's mackerel-plugin-linux-netstat: TCP counters from /proc/net/netstat and snmp, TCP socket memory.</summary>
public static class LinuxNetstat
{
    public const string Name = "mackerel-plugin-linux-netstat";

    public static int Main(string[] args) => Main(args, PluginContext.System());

    public static int Main(string[] args, PluginContext context)
    {
        var prefix = new Option<string?>("--metric-key-prefix") { Description = "Metric key prefix (default: netstat)." };
        var extend = Opt.Flag("--extend", "Add the abort, delayed_acks, timewait, syncookies and timeout graphs.");
        var definition = Cli.Define(Dialect.GoFlag, Name, "TCP segment/error counters (per-minute rates) and TCP socket memory.", prefix, extend);
        return Plugin.GoMetrics(definition, args, context,
            parsed => Define(parsed.GetValue(prefix), parsed.GetValue(extend)).Definitions(),
            parsed => Define(parsed.GetValue(prefix), parsed.GetValue(extend))
                .Collect(context, args, Fetch(context.Paths, Environment.SystemPageSize)));
    }

    public static GoMackerelPlugin Define(string? prefixOption, bool extend)
    {
        var prefix = string.IsNullOrEmpty(prefixOption) ? "netstat" : prefixOption;
        var title = GoMackerelPlugin.GoTitle(prefix);
        GoGraph G(string key, string suffix, bool diff, params string[] names) =>
            new(key, $"{title} {suffix}", "bytes", [.. names.Select(n => new GoMetric(n, Diff: diff))]);
        var graphs = new List<GoGraph>
        {
            G("tcp.segments", "segments", true, "TcpInSegs", "TcpOutSegs", "TcpRetransSegs", "TcpInErrs", "TcpOutRsts"),
            G("tcp.memory", "memory", false, "tcp_memory_size"),
            G("tcp.misc_errors", "misc_errors", true, "TcpExtEmbryonicRsts", "TcpExtPruneCalled", "TcpExtRcvPruned", "TcpExtOfoPruned",
                "TcpExtListenOverflows", "TcpExtListenDrops", "TcpExtTCPSchedulerFailed", "TcpExtTCPRcvCollapsed"),
        };
        if (extend)
        {
            graphs.Add(G("tcp.abort", "abort", true, "TcpExtTCPAbortOnData", "TcpExtTCPAbortOnClose", "TcpExtTCPAbortOnMemory",
                "TcpExtTCPAbortOnTimeout", "TcpExtTCPAbortOnLinger", "TcpExtTCPAbortFailed"));
            graphs.Add(G("tcp.delayed_acks", "delayed_acks", true, "TcpExtDelayedACKs", "TcpExtDelayedACKLocked", "TcpExtDelayedACKLost"));
            graphs.Add(G("tcp.timewait.timewait", "timewait", true, "TcpExtTW", "TcpExtTWRecycled", "TcpExtTWKilled"));
            graphs.Add(G("tcp.syncookies", "syncookies", true, "TcpExtSyncookiesSent", "TcpExtSyncookiesRecv", "TcpExtSyncookiesFailed"));
            graphs.Add(G("tcp.timeout", "timeout", true, "TcpExtTCPTimeouts"));
        }
        return new GoMackerelPlugin(Name, prefix, graphs);
    }

    /// <summary>Every counter of netstat and snmp (`Proto`+`Name`) plus tcp_memory_size; each file is optional.</summary>
    public static Dictionary<string, double> Fetch(HostPaths paths, long pageSize)
    {
        var values = new Dictionary<string, double>();
        foreach (var file in new[] { "net/netstat", "net/snmp" })
        {
            var path = paths.Proc(file);
            if (File.Exists(path)) ParseTables(DataSource.ReadText(path), path, values);
        }
        var sockstat = paths.Proc("net/sockstat");
        if (File.Exists(sockstat) && SockstatTcpPages(DataSource.ReadText(sockstat), sockstat) is { } pages)
            values["tcp_memory_size"] = pages * pageSize;
        return values;
    }

    /// <summary>
    /// `Proto: Name1 Name2` / `Proto: v1 v2` line pairs → `ProtoName1 = v1`. Stops quietly at a line without
    /// `": "`, an odd last line, a prefix mismatch or a count mismatch; a non-number is an error naming the file.
    /// </summary>
    public static void ParseTables(string text, string path, Dictionary<string, double> values)
    {
        var lines = text.Split('\n');
        for (int i = 0; i + 1 < lines.Length; i += 2)
        {
            var (headProto, names) = Split(lines[i]);
            var (valueProto, numbers) = Split(lines[i + 1]);
            if (headProto is null || valueProto is null || headProto != valueProto || names.Length != numbers.Length) return;
            for (int k = 0; k < names.Length; k++)
            {
                if (!double.TryParse(numbers[k], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
                    throw new DataSourceException($"cannot parse {path} line {i + 2}: {headProto}{names[k]} is '{Opt.Shorten(numbers[k])}', not a number");
                values[headProto + names[k]] = v;
            }
        }
    }

    private static (string? Proto, string[] Fields) Split(string line)
    {
        int sep = line.IndexOf(": ", StringComparison.Ordinal);
        if (sep < 0) return (null, []);
        return (line[..sep], line[(sep + 2)..].Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>The last token (pages) of the last line containing `TCP`, or null when there is none.</summary>
    public static long? SockstatTcpPages(string text, string path)
    {
        long? pages = null;
        foreach (var line in text.Split('\n'))
        {
            if (!line.Contains("TCP", StringComparison.Ordinal)) continue;
            var last = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[^1];
            if (!long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var p))
                throw new DataSourceException($"cannot parse {path}: expected a page count at the end of '{Opt.Shorten(line.Trim())}'");
            pages = p;
        }
        return pages;
    }
}

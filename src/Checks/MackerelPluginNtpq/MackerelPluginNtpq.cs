using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;

namespace MetaCheck.Checks.MackerelPluginNtpq;

/// <summary>What the NTP client reported: whether its query command succeeded and the selected peer's |offset| in ms.</summary>
public sealed record NtpReading(bool CommandSucceeded, double? OffsetMs);

/// <summary>kazeburo's mackerel-plugin-ntpq: NTP sync state and offset, from chronyc (chronyd running) or ntpq.</summary>
public static partial class MackerelPluginNtpq
{
    public const string Name = "mackerel-plugin-ntpq";

    /// <summary>During the first 30 minutes after boot a small offset is reported negated (see Report).</summary>
    public const long BootGraceSeconds = 1800;

    public static IReadOnlyList<Graph> Graphs { get; } =
    [
        new("ntpq.synced", "NTP synced remote", "integer", [new GraphMetric("remote", "number of remote host", Stacked: false, Diff: false)]),
        new("ntpq.offset", "NTP offset", "float", [new GraphMetric("seconds", "abs milliseconds", Stacked: false, Diff: false)]),
    ];

    public static int Main(string[] args) => Main(args, PluginContext.System());

    public static int Main(string[] args, PluginContext context)
    {
        var definition = Cli.Define(Dialect.NoArguments, Name, "NTP synchronisation metrics (ntpq.synced.remote, ntpq.offset.seconds in milliseconds) from chronyc or ntpq.");
        return Plugin.Metrics(definition, args, context, _ => Graphs, _ =>
        {
            var reading = ChronydRunning(context.Paths)
                ? Query(context, ["chronyc", "-n", "sources"], ParseChrony)
                : QueryNtpq(context);
            long uptime = reading.CommandSucceeded ? CheckUptime.CheckUptime.ReadUptime(context.Paths) : long.MaxValue;
            return Report(reading, uptime);
        });
    }

    private static NtpReading Query(PluginContext context, string[] argv, Func<string, double?> parse)
    {
        var output = Tool.Run(context, argv);
        return output.ExitCode == 0 ? new NtpReading(true, parse(output.Stdout)) : new NtpReading(false, null);
    }

    private static NtpReading QueryNtpq(PluginContext context)
    {
        try
        {
            return Query(context, ["ntpq", "-pn"], ParseNtpq);
        }
        catch (DataSourceException e)
        {
            throw new DataSourceException($"chronyd is not running and {e.Message}");
        }
    }

    /// <summary>A live (not zombie) process named exactly `chronyd` in the (host's) /proc.</summary>
    public static bool ChronydRunning(HostPaths paths)
    {
        List<string> pids;
        try
        {
            pids = Directory.EnumerateDirectories(paths.ProcDir).Where(d => Path.GetFileName(d).All(char.IsAsciiDigit)).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataSourceException($"cannot list {paths.ProcDir}: {e.Message}");
        }
        foreach (var dir in pids)
        {
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // The process exited while we looked.
            }
            if (IsLiveProcess(stat, "chronyd")) return true;
        }
        return false;
    }

    /// <summary>`/proc/PID/stat` is `pid (comm) state ...`; comm may itself contain `)` and spaces.</summary>
    public static bool IsLiveProcess(string stat, string name)
    {
        int open = stat.IndexOf('('), close = stat.LastIndexOf(')');
        if (open < 0 || close < open || close + 2 >= stat.Length) return false;
        return stat[(open + 1)..close] == name && stat[close + 2] is not ('Z' or 'X' or 'x');
    }

    /// <summary>
    /// `ntpq -pn`: the system peer's line starts with `*` and its address; the offset column (9th) is in
    /// milliseconds. Newer ntpq wraps an address too long for its column onto a line of its own; older ones
    /// cut it to the column's 15 characters (`*2001:db8:a:b:cd`), which the original also accepted.
    /// </summary>
    public static double? ParseNtpq(string output)
    {
        var lines = output.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith('*')) continue;
            var words = lines[i][1..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).ToList();
            if (words.Count == 0 || !(IsAddress(words[0]) || IsCutIPv6(words[0]))) continue;
            if (words.Count == 1 && i + 1 < lines.Length)
                words.AddRange(lines[i + 1].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
            if (words.Count >= 9 && double.TryParse(words[8], NumberStyles.Float, CultureInfo.InvariantCulture, out var offset))
                return Math.Abs(offset);
        }
        return null;
    }

    /// <summary>`chronyc -n sources`: the `^*` line's adjusted offset, the first bracketed `[+12us]`, in milliseconds.</summary>
    public static double? ParseChrony(string output)
    {
        foreach (var line in output.Split('\n'))
        {
            var m = ChronyLine().Match(line);
            if (!m.Success || !IsAddress(m.Groups["addr"].Value)) continue;
            double value = Math.Abs(double.Parse(m.Groups["num"].Value, NumberStyles.Float, CultureInfo.InvariantCulture));
            return m.Groups["unit"].Value switch
            {
                "ns" => value / 1e6,
                "us" => value / 1e3,
                "ms" => value,
                _ => value * 1000,
            };
        }
        return null;
    }

    private static bool IsAddress(string text) => InetAddress.TryParse(text, out _);

    /// <summary>An IPv6 address cut to ntpq's 15-character remote column: hex digits and colons only.</summary>
    private static bool IsCutIPv6(string text) =>
        text.Length == RemoteColumnWidth && text.Contains(':') && text.All(c => char.IsAsciiHexDigit(c) || c == ':');

    private const int RemoteColumnWidth = 15;

    /// <summary>
    /// Command failed: synced 0, offset -1. Otherwise synced 1 when a peer was selected; within the boot
    /// grace an offset under 1000 ms (or a missing one) is reported negated (≤ 0) so "offset &gt; X" alerts
    /// stay quiet; after it, a missing offset is not reported at all.
    /// </summary>
    public static MetricReport Report(NtpReading reading, long uptimeSeconds)
    {
        var report = MetricReport.PerlStyle();
        if (!reading.CommandSucceeded) return report.Add("ntpq.synced.remote", 0).Add("ntpq.offset.seconds", -1);
        report.Add("ntpq.synced.remote", reading.OffsetMs is null ? 0 : 1);
        double? offset = reading.OffsetMs;
        if (uptimeSeconds < BootGraceSeconds && (offset ?? 0) < 1000) offset = -(offset ?? 0);
        if (offset is { } value) report.Add("ntpq.offset.seconds", value);
        return report;
    }

    [GeneratedRegex(@"^\^\*\s*(?<addr>[0-9A-Fa-f.:]+)\s.*?\[\s*(?<num>[-+]?[0-9]+(?:\.[0-9]+)?)(?<unit>ns|us|ms|s)\].")]
    private static partial Regex ChronyLine();
}

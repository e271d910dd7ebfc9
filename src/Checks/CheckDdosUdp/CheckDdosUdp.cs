using System.Globalization;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;

namespace MetaCheck.Checks.CheckDdosUdp;

/// <summary>One reading of the host's UDP counters (IPv4 + IPv6 summed).</summary>
/// <param name="TopSocket">The socket with the most drops so far (`127.0.0.1:53`), or null when none dropped.</param>
public sealed record UdpCounters(double InDatagrams, double NoPorts, double InErrors, double RcvbufErrors, double SocketDrops,
    string? TopSocket, long TopSocketDrops)
{
    public IReadOnlyDictionary<string, double> AsValues() => new Dictionary<string, double>
    {
        ["in_datagrams"] = InDatagrams, ["no_ports"] = NoPorts, ["in_errors"] = InErrors,
        ["rcvbuf_errors"] = RcvbufErrors, ["socket_drops"] = SocketDrops,
    };
}

/// <summary>A warning/critical pair on one per-second rate; a rate above a plain limit alerts, a range where the guidelines say.</summary>
public sealed record RateLimit(string Label, string Key, ThresholdRange? Warning, ThresholdRange? Critical);

/// <summary>
/// check-ddos-udp (ryuichi1208; the original's source is not available, so this is our design): alert on the
/// per-second rates of UDP receive errors, datagrams to closed ports and delivered datagrams, from
/// /proc/net/snmp (+ snmp6), with per-socket drops from /proc/net/udp (+ udp6). The previous sample is
/// kept in the MetaCheck store.
/// </summary>
public static class CheckDdosUdp
{
    public const string Name = "check-ddos-udp";

    public static int Main(string[] args) => Main(args, PluginContext.System());

    public static int Main(string[] args, PluginContext context)
    {
        var warning = Rate("-w", "WARNING when UDP receive errors (InErrors, incl. buffer overflows) exceed this many per second.", "--warning");
        var critical = Rate("-c", "CRITICAL when UDP receive errors exceed this many per second.", "--critical");
        var noPortsW = Rate("--noports-warning", "WARNING when datagrams to closed ports (NoPorts) exceed this many per second.");
        var noPortsC = Rate("--noports-critical", "CRITICAL when datagrams to closed ports exceed this many per second.");
        var inW = Rate("--datagrams-warning", "WARNING when delivered datagrams (InDatagrams) exceed this many per second.");
        var inC = Rate("--datagrams-critical", "CRITICAL when delivered datagrams exceed this many per second.");
        var verbose = Opt.Verbose();
        var definition = Cli.Define(Dialect.GoFlags, Name,
            "Alert on UDP receive errors, buffer drops and floods (per-second rates between runs). Example: check-ddos-udp -w 10 -c 100",
            warning, critical, noPortsW, noPortsC, inW, inC, verbose);
        return Plugin.Check(definition, args, context, parsed =>
        {
            RateLimit[] limits =
            [
                new("receive errors", "in_errors", parsed.GetValue(warning), parsed.GetValue(critical)),
                new("datagrams to closed ports", "no_ports", parsed.GetValue(noPortsW), parsed.GetValue(noPortsC)),
                new("datagrams in", "in_datagrams", parsed.GetValue(inW), parsed.GetValue(inC)),
            ];
            if (limits.All(l => l.Warning is null && l.Critical is null))
                throw new UsageException("give -w or -c (receive errors per second), or a --noports-/--datagrams- threshold");
            var counters = Read(context.Paths);
            long now = context.NowEpoch;
            var current = new Sample(now, counters.AsValues());
            var previous = Counters.ExchangeRequired(context, Name, [context.Paths.ProcDir], current, keepPrevious: p => now - p.Epoch < 1);
            var result = Evaluate(counters, previous, current, limits);
            return parsed.GetValue(verbose) == 0 ? result : result with { Details = Details(previous, current) };
        });
    }

    private static System.CommandLine.Option<ThresholdRange?> Rate(string name, string description, params string[] aliases) =>
        Opt.Threshold(name, description, PlainNumber.Int(0, int.MaxValue), ThresholdRange.Above, null, aliases);

    public static UdpCounters Read(HostPaths paths)
    {
        var snmpPath = paths.Proc("net/snmp");
        var udp = ParseSnmp(DataSource.ReadText(snmpPath), snmpPath);
        var snmp6Path = paths.Proc("net/snmp6");
        var udp6 = File.Exists(snmp6Path) ? ParseSnmp6(DataSource.ReadText(snmp6Path), snmp6Path) : new Dictionary<string, double>();
        double Sum(string field) => udp.GetValueOrDefault(field) + udp6.GetValueOrDefault(field);

        var udpPath = paths.Proc("net/udp");
        var sockets = ParseSockets(DataSource.ReadText(udpPath), udpPath).ToList();
        var udp6Path = paths.Proc("net/udp6");
        if (File.Exists(udp6Path)) sockets.AddRange(ParseSockets(DataSource.ReadText(udp6Path), udp6Path));
        var top = sockets.Where(s => s.Drops > 0).OrderByDescending(s => s.Drops).FirstOrDefault();
        return new UdpCounters(Sum("InDatagrams"), Sum("NoPorts"), Sum("InErrors"), Sum("RcvbufErrors"),
            sockets.Sum(s => (double)s.Drops), top.Drops > 0 ? top.Local : null, top.Drops);
    }

    /// <summary>The `Udp:` header and value lines of /proc/net/snmp (not `UdpLite:`).</summary>
    public static Dictionary<string, double> ParseSnmp(string text, string path)
    {
        var lines = text.Split('\n').Where(l => l.StartsWith("Udp:", StringComparison.Ordinal)).ToList();
        if (lines.Count < 2) throw new DataSourceException($"{path} has no Udp: lines");
        var names = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..];
        var values = lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..];
        if (names.Length != values.Length) throw new DataSourceException($"cannot parse {path}: the Udp: lines have different lengths");
        var result = new Dictionary<string, double>();
        for (int i = 0; i < names.Length; i++)
        {
            if (!double.TryParse(values[i], NumberStyles.None, CultureInfo.InvariantCulture, out var v))
                throw new DataSourceException($"cannot parse {path}: Udp {names[i]} is '{Opt.Shorten(values[i])}'");
            result[names[i]] = v;
        }
        foreach (var needed in new[] { "InDatagrams", "NoPorts", "InErrors" })
            if (!result.ContainsKey(needed)) throw new DataSourceException($"{path} has no Udp {needed} counter");
        return result;
    }

    /// <summary>`Udp6Name value` lines of /proc/net/snmp6, keyed without the `Udp6` prefix.</summary>
    public static Dictionary<string, double> ParseSnmp6(string text, string path)
    {
        var result = new Dictionary<string, double>();
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith("Udp6", StringComparison.Ordinal)) continue;
            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2 || !double.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var v))
                throw new DataSourceException($"cannot parse {path}: '{Opt.Shorten(line.Trim())}'");
            result[parts[0]["Udp6".Length..]] = v;
        }
        return result;
    }

    /// <summary>Each socket line of /proc/net/udp[6]: the local address and the `drops` column (the last, 13th).</summary>
    public static IEnumerable<(string Local, long Drops)> ParseSockets(string text, string path)
    {
        foreach (var line in text.Split('\n').Skip(1))
        {
            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0) continue;
            if (parts.Length < 13 || !long.TryParse(parts[12], NumberStyles.None, CultureInfo.InvariantCulture, out var drops))
                throw new DataSourceException($"cannot parse {path}: '{Opt.Shorten(line.Trim())}'");
            yield return (DecodeAddress(parts[1]), drops);
        }
    }

    /// <summary>`0100007F:0035` → `127.0.0.1:53`; IPv6 as `[::1]:53` (the kernel prints 32-bit words in host order).</summary>
    public static string DecodeAddress(string hex)
    {
        int colon = hex.IndexOf(':');
        if (colon < 0 || !int.TryParse(hex[(colon + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var port)) return hex;
        var ip = hex[..colon];
        if (ip.Length is not (8 or 32)) return hex;
        var bytes = new byte[ip.Length / 2];
        for (int word = 0; word < bytes.Length / 4; word++)
            for (int b = 0; b < 4; b++)
                bytes[word * 4 + b] = byte.Parse(ip.AsSpan(word * 8 + (3 - b) * 2, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        var address = new System.Net.IPAddress(bytes);
        return bytes.Length == 4 ? $"{address}:{port}" : $"[{address}]:{port}";
    }

    /// <summary>
    /// Pure: rates between the two samples (a counter that went down — reboot, closed socket — counts as 0),
    /// each compared with its limits; the worst status wins and every breach is named.
    /// </summary>
    public static CheckResult Evaluate(UdpCounters counters, Sample? previous, Sample current, IReadOnlyList<RateLimit> limits)
    {
        if (previous is null) return CheckResult.Of(Status.Ok, "no previous sample (first run); UDP counters stored");
        long period = current.Epoch - previous.Epoch;
        if (period < 1) return CheckResult.Of(Status.Ok, "no previous sample (the last one is less than 1 s old)");
        double Rate(string key) => Math.Max(0, (current[key] ?? 0) - (previous[key] ?? 0)) / period;

        var status = Status.Ok;
        var breaches = new List<string>();
        foreach (var limit in limits)
        {
            double rate = Rate(limit.Key);
            var (earned, applied) = ThresholdRange.Grade(rate, limit.Warning, limit.Critical);
            if (applied is null) continue;
            if (earned > status) status = earned;
            breaches.Add(Breach(limit.Label, rate, applied));
        }
        // Every rate, per second (no UOM says "per second"); a limited one with the thresholds applied to it.
        var perfdata = current.Values.Keys.Select(key => limits.FirstOrDefault(l => l.Key == key) is { } limit
            ? new PerfValue(key, Rate(key), "", limit.Warning, limit.Critical, 0)
            : new PerfValue(key, Rate(key), "", Min: 0)).ToList();
        var summary = $"UDP in {Format(Rate("in_datagrams"))}/s, errors {Format(Rate("in_errors"))}/s (rcvbuf {Format(Rate("rcvbuf_errors"))}/s), "
                      + $"no port {Format(Rate("no_ports"))}/s, socket drops {Format(Rate("socket_drops"))}/s over {period} s";
        if (counters.TopSocket is not null) summary += $"; most drops: {counters.TopSocket} ({counters.TopSocketDrops} since it opened)";
        return CheckResult.Of(status, breaches.Count == 0 ? summary : $"{string.Join(", ", breaches)} | {summary}") with { Perfdata = perfdata };
    }

    private static string Breach(string label, double rate, ThresholdRange limit) => limit.Plain is { } plain
        ? $"{label} {Format(rate)}/s > {ThresholdRange.Number(plain)}"
        : $"{label} {Format(rate)}/s is {limit.Where}";

    /// <summary>-v: each counter as read now, and what it was at the previous sample.</summary>
    public static IReadOnlyList<string> Details(Sample? previous, Sample current) =>
        [.. current.Values.Select(kv => previous?[kv.Key] is { } before
            ? $"{kv.Key}: {ThresholdRange.Number(kv.Value)} (was {ThresholdRange.Number(before)} {current.Epoch - previous.Epoch} s before)"
            : $"{kv.Key}: {ThresholdRange.Number(kv.Value)}")];

    /// <summary>Two decimals at most, Perl style (`49.9`, `0.01`, `120`).</summary>
    public static string Format(double rate) => NumberFormat.Perl(Math.Round(rate, 2));
}

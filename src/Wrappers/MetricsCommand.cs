using System.Globalization;
using System.Text;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;
using MetaCheck.State;

namespace MetaCheck.Wrappers;

/// <summary>One check's values at the time of a `metacheck metrics` call. Rates are null on the first call.</summary>
public sealed record CheckMetrics(string? User, CheckSummary Check, long? LastDurationMs, bool Muted, bool Held,
    double? RunsPerMinute, double? FailuresPerMinute);

/// <summary>
/// One metric as both outputs print it: the Mackerel graph `metacheck.{Key}` (one line per check, the
/// wildcard metric `metacheck.{Key}.{check}`) and the Prometheus family `metacheck_{Family}`.
/// </summary>
internal sealed record MetricKind(string Key, string Label, string Unit, string Family, string PromType, string Help,
    Func<CheckMetrics, double?> Value, double PromDivisor = 1);

/// <summary>`metacheck metrics`: the wrappers' history as a Mackerel metric plugin or a Prometheus textfile.</summary>
public static class MetricsCommand
{
    public const string Name = "metrics";

    /// <summary>The stored sample's name (with the format, the output and the store as its arguments).</summary>
    private const string SampleName = "metacheck metrics";

    internal static readonly IReadOnlyList<MetricKind> Kinds =
    [
        new("duration", "MetaCheck: last run duration", "milliseconds", "last_run_duration_seconds", "gauge",
            "How long the check's last run took (the inner command and the wrapper).", m => m.LastDurationMs, PromDivisor: 1000),
        new("failure_streak", "MetaCheck: failures in a row", "integer", "failure_streak", "gauge",
            "Failures in a row so far (0 after a success or a reset).", m => m.Check.Streak),
        new("alerting", "MetaCheck: alerting", "integer", "alerting", "gauge",
            "1 while the wrapper reports the check's failure (delay-checker: the threshold was reached).", m => m.Check.Alerting ? 1 : 0),
        new("muted", "MetaCheck: muted", "integer", "muted", "gauge",
            "1 while a mute (metacheck mute, or a host-wide one) covers the check.", m => m.Muted ? 1 : 0),
        new("held", "MetaCheck: held", "integer", "held", "gauge",
            "1 while the reported status is held rather than fresh: outside periodic-checker's windows, or an alert kept open while it recovers.", m => m.Held ? 1 : 0),
        new("runs", "MetaCheck: runs per minute", "float", "runs_per_minute", "gauge",
            "Wrapper runs per minute since the previous call of the same output.", m => m.RunsPerMinute),
        new("failures", "MetaCheck: failures per minute", "float", "failures_per_minute", "gauge",
            "Runs per minute since the previous call whose inner check failed.", m => m.FailuresPerMinute),
        new("runs_total", "MetaCheck: runs recorded", "integer", "runs_total", "counter",
            "Wrapper runs recorded for the check since it was first run.", m => m.Check.RunsTotal),
    ];

    /// <summary>The Mackerel graphs: one per kind, one wildcard series per check labelled with its name.</summary>
    internal static readonly GoMackerelPlugin Graphs = new(SampleName, "metacheck",
        [.. Kinds.Select(k => new GoGraph(k.Key, k.Label, k.Unit, [new GoMetric("*", "%1")]))]);

    public static int Main(string[] args) => Main(args, PluginContext.System());

    public static int Main(string[] args, PluginContext context)
    {
        var stateDir = StoreCommands.StateDirOption();
        var format = Opt.OneOf("--format", "mackerel (default: name, value, epoch per line) or prometheus (node_exporter's textfile format).",
            ["mackerel", "prometheus"]);
        var output = Opt.Text("--output", "With --format prometheus: write this file atomically (a temporary file in its directory, then renamed) instead of stdout.");
        output.HelpName = "file";
        var definition = Cli.Define(Dialect.GetoptLongStrict, Name,
            "The wrappers' history as metrics, per check: last run duration, failures in a row, alerting, muted, held, runs and failures per minute.\n" +
            "Run by root without --state-dir (and without $METACHECK_STATE_DIR), it covers every user's store on the host, each check labelled with its user.\n" +
            "Example: metacheck metrics    metacheck metrics --format prometheus --output /var/lib/prometheus/node-exporter/metacheck.prom",
            stateDir, format, output);
        return Plugin.Metrics(definition, args, context, _ => Graphs.Definitions(), parsed =>
        {
            bool prometheus = parsed.GetValue(format) switch
            {
                null or "mackerel" => false,
                "prometheus" => true,
                var other => throw new UsageException($"--format: '{Opt.Shorten(other)}' is neither mackerel nor prometheus"),
            };
            var file = parsed.GetValue(output);
            if (file is not null && !prometheus) throw new UsageException("--output needs --format prometheus (Mackerel reads the metrics from stdout)");
            // Each output keeps its own mark, so the agent and a timer do not take each other's intervals.
            var checks = Collect(context, parsed.GetValue(stateDir), [prometheus ? "prometheus" : "mackerel", file is null ? "-" : Path.GetFullPath(file)]);
            if (!prometheus) return MackerelReport(checks);
            var text = Prometheus(checks);
            if (file is null) context.Out.Write(text);
            else WriteAtomically(file, text);
            return MetricReport.GoStyle();
        });
    }

    /// <summary>`metacheck.{kind}.{check}` for every value known (rates from the second call on).</summary>
    internal static MetricReport MackerelReport(IReadOnlyList<CheckMetrics> checks)
    {
        var report = MetricReport.GoStyle();
        foreach (var kind in Kinds)
        {
            var key = Graphs.FullKey(kind.Key);
            foreach (var m in checks)
                if (kind.Value(m) is { } value) report.Add($"{key}.{MetricName(m)}", value);
        }
        return report;
    }

    /// <summary>
    /// A name Mackerel accepts as one segment (`[-a-zA-Z0-9_]`): the user (host-wide only), the check's
    /// short id (unique), then its --identifier or else its command, other characters as `_`, cut short.
    /// </summary>
    public static string MetricName(CheckMetrics m)
    {
        var readable = Sanitize(m.Check.Identifier.Length > 0 ? m.Check.Identifier : m.Check.CommandLine);
        if (readable.Length > 48) readable = readable[..48].TrimEnd('_');
        var name = StoreCommands.Short(m.Check.Id) + (readable.Length > 0 ? "_" + readable : "");
        return m.User is null ? name : $"{Sanitize(m.User)}_{name}";
    }

    private static string Sanitize(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            bool keep = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-' or '_';
            if (keep) sb.Append(c);
            else if (sb.Length > 0 && sb[^1] != '_') sb.Append('_');
        }
        return sb.ToString().TrimEnd('_');
    }

    /// <summary>
    /// The checks of the caller's store (or of --state-dir), or, for root naming no store, of every
    /// user's store on the host it can read (each check labelled with its user): their values, and
    /// their runs and failures per minute since the previous call with the same <paramref name="sampleArgs"/>.
    /// </summary>
    internal static IReadOnlyList<CheckMetrics> Collect(PluginContext context, string? explicitDir, IReadOnlyList<string> sampleArgs)
    {
        long nowMs = context.Clock.GetCurrentInstant().ToUnixTimeMilliseconds();
        var hostMutes = HostMutes.Read(context.GetEnv, nowMs, context.Err, Name);
        if (!HostStores.RootWithoutStore(explicitDir, context.GetEnv))
        {
            var dir = Guarded(() => StateDirectory.Resolve(explicitDir, context.GetEnv, Posix.EffectiveUserId).Path);
            using var store = Guarded(() => StateStore.OpenReadOnly(dir));
            return store is null ? [] : Guarded(() => FromStore(context, store, null, hostMutes, nowMs, sampleArgs));
        }
        var all = new List<CheckMetrics>();
        foreach (var (user, dir) in HostStores.Find(context.GetEnv))
        {
            try
            {
                using var store = StateStore.OpenReadOnly(dir);
                if (store is not null) all.AddRange(FromStore(context, store, user, hostMutes, nowMs, sampleArgs));
            }
            catch (Exception e) when (StateStore.IsUnusable(e))
            {
                context.Err.WriteLine($"metacheck: {Name}: {user}'s checks left out: {e.Message.TrimEnd('.')}");
            }
        }
        return all;
    }

    private static T Guarded<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (StateStore.IsUnusable(e))
        {
            throw new DataSourceException(e.Message.TrimEnd('.'));
        }
    }

    /// <summary>Three queries per store whatever its size (see StoreMetrics.cs), then a dictionary lookup per check.</summary>
    private static List<CheckMetrics> FromStore(PluginContext context, StateStore store, string? user, IReadOnlyList<Mute> hostMutes,
        long nowMs, IReadOnlyList<string> sampleArgs)
    {
        var checks = store.ListChecks();
        var durations = store.LastDurations();
        IReadOnlyList<Mute> mutes = [.. hostMutes, .. store.ActiveMutes(nowMs)];
        var rates = Rates(context, store, sampleArgs);
        var list = new List<CheckMetrics>(checks.Count);
        foreach (var c in checks)
        {
            double? runs = null, failures = null;
            if (rates is { } r)
            {
                var counts = r.Counts.GetValueOrDefault(c.RowId) ?? new RunCounts(0, 0);
                runs = GoMackerelPlugin.Rate("runs", counts.Runs, 0, r.Seconds);
                failures = GoMackerelPlugin.Rate("failures", counts.Failures, 0, r.Seconds);
            }
            list.Add(new CheckMetrics(user, c, durations.TryGetValue(c.RowId, out var ms) ? ms : null,
                MuteCommands.MuteOf(c, mutes, nowMs) is not null, c.LastOutcome is RunOutcome.Held or RunOutcome.Recovering, runs, failures));
        }
        return list;
    }

    /// <summary>
    /// The runs since the previous call: the sample kept (as the metric plugins keep theirs, in the
    /// caller's own store) is the newest run id then, so counting is a rowid range, never the whole
    /// history. Null on the first call, within a second of the last, or when the store started over.
    /// </summary>
    private static (IReadOnlyDictionary<long, RunCounts> Counts, long Seconds)? Rates(PluginContext context, StateStore store,
        IReadOnlyList<string> sampleArgs)
    {
        long now = context.NowEpoch;
        long lastRun = store.LastRunId();
        var previous = Counters.Exchange(context, SampleName, [.. sampleArgs, store.DatabasePath],
            new Sample(now, new Dictionary<string, double> { ["lastRun"] = lastRun }), p => now - p.Epoch < 1);
        if (previous?["lastRun"] is not { } since || now - previous.Epoch < 1 || since > lastRun) return null;
        long seconds = now - previous.Epoch;
        if (seconds > GoMackerelPlugin.MaxDiffSeconds)
        {
            // The rates are 0 then, as the plugins' diffs: no need to count what may be a long range.
            context.Err.WriteLine($"metacheck: {Name}: the previous call was {seconds} s ago (more than {GoMackerelPlugin.MaxDiffSeconds} s); rates are 0");
            return (new Dictionary<long, RunCounts>(), seconds);
        }
        return (store.CountRuns((long)since, lastRun), seconds);
    }

    /// <summary>The exposition format: # HELP and # TYPE per family, one sample per check, labels escaped.</summary>
    internal static string Prometheus(IReadOnlyList<CheckMetrics> checks)
    {
        var sb = new StringBuilder();
        foreach (var kind in Kinds)
        {
            var family = "metacheck_" + kind.Family;
            sb.Append("# HELP ").Append(family).Append(' ').Append(kind.Help).Append('\n');
            sb.Append("# TYPE ").Append(family).Append(' ').Append(kind.PromType).Append('\n');
            foreach (var m in checks)
            {
                if (kind.Value(m) is not { } value) continue;
                sb.Append(family).Append('{');
                if (m.User is not null) Label(sb, "user", m.User).Append(',');
                Label(sb, "wrapper", m.Check.Wrapper).Append(',');
                Label(sb, "check_id", m.Check.Id).Append(',');
                Label(sb, "identifier", m.Check.Identifier).Append(',');
                Label(sb, "command", m.Check.CommandLine);
                sb.Append("} ").Append((value / kind.PromDivisor).ToString("R", CultureInfo.InvariantCulture)).Append('\n');
            }
        }
        return sb.ToString();
    }

    /// <summary>A label value as the exposition format wants it: backslash, double quote and line feed escaped.</summary>
    private static StringBuilder Label(StringBuilder sb, string name, string value)
    {
        sb.Append(name).Append("=\"");
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\': sb.Append("\\\\"); break;
                case '"': sb.Append("\\\""); break;
                case '\n': sb.Append("\\n"); break;
                default: sb.Append(c); break;
            }
        }
        return sb.Append('"');
    }

    /// <summary>The collector reads the directory at any moment, as another user: the whole file or none, 0644.</summary>
    private static void WriteAtomically(string path, string text)
    {
        try
        {
            AtomicFile.Write(path, Encoding.UTF8.GetBytes(text), (UnixFileMode)0x1a4);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataSourceException($"cannot write {Path.GetFullPath(path)}: {IoError.Reason(e)}");
        }
    }
}

using System.Text;
using System.Text.Json;
using MetaCheck.Core;
using MetaCheck.State;
using static MetaCheck.Core.Terminal;

namespace MetaCheck.Wrappers;

/// <summary>`metacheck status` and `metacheck history`: what the wrappers remember, for a person or a script.</summary>
public static class StoreCommands
{
    public static IReadOnlyList<CommandInfo> All { get; } =
    [
        new("status", "list every tracked check: last status, failure streak, last run", Status) { Linked = false },
        new("history", "show the recent runs of a check, with a status timeline", History) { Linked = false },
        new("mute", "report the failures of some or all checks as OK for a while (the checks still run)", MuteCommands.Mute) { Linked = false },
        new("unmute", "lift mutes before they expire", MuteCommands.Unmute) { Linked = false },
        new("reset", "clear a check's failure streak and alert (after a fix); its runs stay", Reset) { Linked = false },
        new("forget", "drop a check and its runs from the store", Forget) { Linked = false },
        new("prune", "drop every check not run for a given time", Prune) { Linked = false },
        new(MetricsCommand.Name, "the checks' durations, streaks and run rates as Mackerel or Prometheus metrics", MetricsCommand.Main) { Linked = false },
    ];

    public static int Status(string[] args)
    {
        var stateDir = StateDirOption();
        var json = Opt.Flag("--json", "Print JSON instead of a table.");
        var failing = Opt.Flag("--failing", "Only checks whose last result was not OK or whose failure streak is running.");
        var definition = Cli.Define(Dialect.GetoptLongStrict, "status", "List every check the wrappers have run, newest first.", stateDir, json, failing);
        return Cli.Run(definition, args, parsed =>
        {
            using var store = OpenForReading(parsed.GetValue(stateDir), out var dir);
            var checks = store?.ListChecks() ?? [];
            if (parsed.GetValue(failing)) checks = [.. checks.Where(c => c.Streak > 0 || c.Alerting || c.LastStatus is > 0)];
            long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            IReadOnlyList<Mute> mutes = [.. HostMutes.Read(Environment.GetEnvironmentVariable, now, Console.Error, "status"), .. store?.ActiveMutes(now) ?? []];
            if (parsed.GetValue(json))
                return WriteJson(w =>
                {
                    w.WriteStartArray();
                    foreach (var c in checks) WriteCheck(w, c, MuteCommands.MuteOf(c, mutes, now));
                    w.WriteEndArray();
                });
            MuteCommands.PrintMutes(mutes, checks, now);
            if (checks.Count == 0)
            {
                Console.WriteLine(parsed.GetValue(failing) ? $"no failing checks in {Printable(dir)}" : $"no checks recorded yet in {Printable(dir)}");
                return 0;
            }
            var rows = checks.Select(c => new[]
            {
                Short(c.Id), Printable(Invocation(c)),
                StatusText(c.LastStatus, c.LastOutcome), Streak(c), Ago(now, c.LastRunAtMs), Printable(c.CommandLine),
            });
            PrintTable(["CHECK", "WRAPPER", "LAST", "FAILURES", "LAST RUN", "COMMAND"], rows, statusColumn: 2);
            return 0;
        });
    }

    public static int History(string[] args)
    {
        var stateDir = StateDirOption();
        var json = Opt.Flag("--json", "Print JSON instead of text.");
        var limit = Opt.Int("--limit", "How many recent runs to show.", 20, 1, 100_000, "-n");
        var since = Opt.Duration("--since", "Only runs started this long ago or less (seconds, or 90s/5m/1h/1d).", TimeSpan.FromDays(36500));
        var definition = Cli.Define(Dialect.GetoptLongStrict, "history",
            "Show recent runs of the checks whose id starts with, whose --identifier is, or whose command contains the given text.\n" +
            "Example: metacheck history check-tcp    metacheck history 3f2a9c1d    metacheck history db1-port", stateDir, json, limit, since);
        var query = CheckArgument();
        definition.Arguments.Add(query);
        return Cli.Run(definition, args, parsed =>
        {
            var text = string.Join(' ', parsed.GetValue(query) ?? []);
            using var store = OpenForReading(parsed.GetValue(stateDir), out var dir);
            var matches = Find(store?.ListChecks() ?? [], text, dir);
            int n = parsed.GetValue(limit);
            long sinceMs = parsed.GetValue(since) is { } span ? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - (long)span.TotalMilliseconds : long.MinValue;
            if (parsed.GetValue(json))
                return WriteJson(w =>
                {
                    w.WriteStartArray();
                    foreach (var c in matches)
                    {
                        w.WriteStartObject();
                        w.WritePropertyName("check");
                        WriteCheck(w, c);
                        w.WriteStartArray("runs");
                        foreach (var r in store!.History(c.RowId, n, sinceMs)) WriteRun(w, r);
                        w.WriteEndArray();
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                });
            Console.WriteLine("timelines run oldest to newest: . ok  s failure suppressed  r replayed  - skipped  W C U reported failures" +
                "  h held outside the windows  m failure muted  R alert kept while recovering");
            Console.WriteLine();
            foreach (var c in matches)
            {
                var runs = store!.History(c.RowId, n, sinceMs);
                Console.WriteLine(Printable($"{Short(c.Id)}  {Describe(c)}"));
                Console.WriteLine($"  timeline {Timeline(runs)}");
                if (Sparkline(runs) is { } durations) Console.WriteLine($"  duration {durations}");
                foreach (var r in runs)
                {
                    var when = DateTimeOffset.FromUnixTimeMilliseconds(r.StartedAtMs).ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss");
                    var exit = r.InnerExit is { } e ? $"exit {e}" : "-";
                    Console.WriteLine($"  {when}  {r.DurationMs,6} ms  {exit,-8} {Paint(StatusText(r.Status, r.Outcome), r.Status),-24} {Printable(FirstLine(r.Output))}");
                }
                Console.WriteLine();
            }
            return 0;
        });
    }

    public static int Reset(string[] args) => ChangeOne(args, "reset",
        "Clear the failure streak, alert and cached result of one check (after a fix); its runs stay in the history.",
        (store, c) => { store.Reset(c.RowId); return $"reset {Short(c.Id)}: {Describe(c)}"; }, AfterReset);

    /// <summary>
    /// What the server is told next after a reset of a check whose last run failed: a reset does not
    /// change what the server shows, but delay-checker's count starts again, so its next failure may be
    /// reported OK (closing the alert) before the alert opens again.
    /// </summary>
    private static string? AfterReset(CheckSummary c)
    {
        if (c.LastStatus is not (> 0 and var last)) return null;
        var word = StatusNames.Word(last);
        var next = c.Wrapper == DelayChecker.Name && c.Threshold is > 1 and var threshold
            ? $"its next failure will be reported OK (DelayWarn(1/{threshold}{(c.Window is { } m ? $" in last {m}" : "")})), which closes the open alert, " +
              $"and the alert opens again at the {Ordinal(threshold)} failure"
            : "its next failure will be reported as it is, keeping the alert open; a success closes it";
        return $"its last run failed ({word}, still shown by the server); {next}";
    }

    private static string Ordinal(int n) => (n % 100) switch
    {
        11 or 12 or 13 => $"{n}th",
        _ => (n % 10) switch { 1 => $"{n}st", 2 => $"{n}nd", 3 => $"{n}rd", _ => $"{n}th" },
    };

    public static int Forget(string[] args) => ChangeOne(args, "forget",
        "Drop one check and all its runs from the store (its next run starts afresh).",
        (store, c) => { store.Forget(c.RowId); return $"forgot {Short(c.Id)}: {Describe(c)}"; });

    public static int Prune(string[] args)
    {
        var stateDir = StateDirOption();
        var olderThan = Opt.Duration("--older-than", "Drop the checks whose last run is older than this (90d, 12h, seconds). Required.", TimeSpan.FromDays(36500));
        var definition = Cli.Define(Dialect.GetoptLongStrict, "prune", "Drop every check (and its runs) not run for --older-than.", stateDir, olderThan);
        return Cli.Run(definition, args, parsed =>
        {
            var age = parsed.GetValue(olderThan) ?? throw new UsageException("--older-than is required, e.g. --older-than 30d");
            using var store = OpenForWriting(parsed.GetValue(stateDir), out var dir);
            int dropped = store is null ? 0 : Guarded(() => store.Prune(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - (long)age.TotalMilliseconds));
            Console.WriteLine($"dropped {dropped} check{(dropped == 1 ? "" : "s")} not run for {age.TotalDays:0.##} days from {Printable(dir)}");
            return 0;
        });
    }

    /// <summary>reset and forget: one check, named as history names it; several matches are refused, never guessed.</summary>
    private static int ChangeOne(string[] args, string name, string description, Func<StateStore, CheckSummary, string> change,
        Func<CheckSummary, string?>? note = null)
    {
        var stateDir = StateDirOption();
        var definition = Cli.Define(Dialect.GetoptLongStrict, name, description + "\nCHECK: an id (prefix), an --identifier, or part of the command, as in 'metacheck status'.", stateDir);
        var query = CheckArgument();
        definition.Arguments.Add(query);
        return Cli.Run(definition, args, parsed =>
        {
            var text = string.Join(' ', parsed.GetValue(query) ?? []);
            using var store = OpenForWriting(parsed.GetValue(stateDir), out var dir);
            var matches = Find(store?.ListChecks() ?? [], text, dir);
            if (matches.Count > 1)
                throw new UsageException($"'{Opt.Shorten(text)}' matches {matches.Count} checks ({string.Join(", ", matches.Select(c => Short(c.Id)))}); give one id");
            Console.WriteLine(Printable(Guarded(() => change(store!, matches[0]))));
            if (note?.Invoke(matches[0]) is { } line) Console.WriteLine(line);
            return 0;
        });
    }

    private static System.CommandLine.Argument<string[]> CheckArgument() =>
        new("check") { Arity = System.CommandLine.ArgumentArity.OneOrMore, Description = "An id (prefix), an --identifier, or part of the command." };

    /// <summary>The checks <paramref name="text"/> names (see <see cref="Matching"/>); none is a usage error.</summary>
    internal static List<CheckSummary> Find(IReadOnlyList<CheckSummary> checks, string text, string dir)
    {
        var matches = Matching(checks, text);
        if (matches.Count == 0)
            throw new UsageException($"no check in {Printable(dir)} has an id starting with, an identifier equal to or a command containing '{Printable(Opt.Shorten(text))}'; see 'metacheck status'");
        return matches;
    }

    /// <summary>
    /// A check as its wrapper was invoked: wrapper, options, identifier, `--`, command (secrets redacted).
    /// Every command that names a check (status, history, mute, reset, forget) names it this way, so
    /// that checks of one command differing only in their options (-c 3, --within 5) read differently.
    /// </summary>
    internal static string Describe(CheckSummary c) => $"{Invocation(c)} -- {c.CommandLine}";

    /// <summary>The part before `--`: the wrapper with the options that are part of the check's key.</summary>
    internal static string Invocation(CheckSummary c) =>
        $"{c.Wrapper}{(c.Options.Length > 0 ? " " + c.Options : "")}{(c.Identifier.Length > 0 ? $" --identifier {ShellQuote.Quote(c.Identifier)}" : "")}";

    internal static System.CommandLine.Option<string?> StateDirOption() =>
        Opt.Text("--state-dir", $"Directory of the store (default: as the wrappers choose it; see ${StateDirectory.EnvVar}).");

    /// <summary>Read-only: any store the caller can read, another user's included (root looking at nagios's), never written.</summary>
    private static StateStore? OpenForReading(string? explicitDir, out string dir)
    {
        try
        {
            (dir, _) = StateDirectory.Resolve(explicitDir, Environment.GetEnvironmentVariable, Posix.EffectiveUserId);
            return StateStore.OpenReadOnly(dir);
        }
        catch (Exception e) when (StateStore.IsUnusable(e)) // a path too long to stat, too: one line, not an internal error
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>
    /// Changes go through the same checks as a wrapper run: only the store's owner may make them.
    /// Without <paramref name="create"/> a store that does not exist yet is null (nothing to change).
    /// </summary>
    internal static StateStore? OpenForWriting(string? explicitDir, out string dir, bool create = false)
    {
        try
        {
            var location = StateDirectory.Resolve(explicitDir, Environment.GetEnvironmentVariable, Posix.EffectiveUserId);
            dir = location.Path;
            if (!create && StateDirectory.ExistingStoreFile(dir) is null) return null;
            return StateStore.Open(location);
        }
        catch (Exception e) when (StateStore.IsUnusable(e))
        {
            throw new UsageException(e.Message);
        }
    }

    internal static T Guarded<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (StateStore.IsUnusable(e))
        {
            throw new UsageException(e.Message);
        }
    }

    public static string Timeline(IEnumerable<RunRow> runs) => new(runs.Select(r => r.Outcome switch
    {
        RunOutcome.Suppressed => 's',
        RunOutcome.Replayed => 'r',
        RunOutcome.Skipped => '-',
        RunOutcome.Held => 'h',
        RunOutcome.Muted => 'm',
        RunOutcome.Recovering => 'R',
        _ => r.Status switch { 0 => '.', 1 => 'W', 2 => 'C', _ => 'U' },
    }).ToArray());

    private const string Bars = "▁▂▃▄▅▆▇█";

    /// <summary>
    /// Each run's duration as a bar under its timeline character (lowest to highest of the runs shown),
    /// then that range: a check that slows down shows at a glance. Runs that did not run the inner
    /// command (replayed, skipped, held) are blank: their duration is not the check's. Null when none ran.
    /// </summary>
    public static string? Sparkline(IReadOnlyList<RunRow> runs)
    {
        static bool Ran(RunRow r) => r.Outcome is not (RunOutcome.Replayed or RunOutcome.Skipped or RunOutcome.Held);
        var ran = runs.Where(Ran).Select(r => r.DurationMs).ToList();
        if (ran.Count == 0) return null;
        long min = ran.Min(), max = ran.Max();
        var bars = new string(runs.Select(r => !Ran(r) ? ' '
            : Bars[max == min ? 0 : (int)Math.Round((r.DurationMs - min) * (Bars.Length - 1) / (double)(max - min))]).ToArray());
        return $"{bars}  {(min == max ? $"{min}" : $"{min}-{max}")} ms";
    }

    private static string StatusText(int? status, RunOutcome? outcome)
    {
        if (status is null) return "-";
        var word = StatusNames.Word(status.Value);
        return outcome switch
        {
            RunOutcome.Suppressed => word + " suppressed",
            RunOutcome.Replayed => word + " replayed",
            RunOutcome.Skipped => word + " skipped",
            RunOutcome.TimedOut => word + " timeout",
            RunOutcome.LaunchFailed => word + " not started",
            RunOutcome.Interrupted => word + " interrupted",
            RunOutcome.Held => word + " held",
            RunOutcome.Muted => word + " muted",
            RunOutcome.Recovering => word + " recovering",
            _ => word,
        };
    }

    private static string Streak(CheckSummary c)
    {
        if (c.Streak == 0) return c.Alerting ? "alerting, recovering" : "-";
        if (c.Wrapper != DelayChecker.Name || c.Threshold is not { } threshold) return $"{c.Streak} in a row";
        var scope = c.Window is { } m ? $" (any {threshold} of {m})" : "";
        return c.Alerting ? $"{c.Streak}/{threshold}, alerting{scope}" : $"{c.Streak}/{threshold}, not yet alerting{scope}";
    }

    private static string Ago(long nowMs, long? thenMs)
    {
        if (thenMs is not { } then) return "never";
        var span = TimeSpan.FromMilliseconds(Math.Max(0, nowMs - then));
        return span.TotalSeconds < 60 ? $"{(int)span.TotalSeconds}s ago"
            : span.TotalMinutes < 60 ? $"{(int)span.TotalMinutes}m ago"
            : span.TotalHours < 48 ? $"{(int)span.TotalHours}h ago"
            : $"{(int)span.TotalDays}d ago";
    }

    internal static string Short(string id) => id[..8];

    /// <summary>
    /// The checks a person means by <paramref name="text"/>: their id starts with it or their identifier
    /// is it; failing that, their command contains it.
    /// </summary>
    internal static List<CheckSummary> Matching(IReadOnlyList<CheckSummary> checks, string text)
    {
        var matches = checks.Where(c => c.Id.StartsWith(text, StringComparison.OrdinalIgnoreCase) || c.Identifier == text).ToList();
        return matches.Count > 0 ? matches : [.. checks.Where(c => c.CommandLine.Contains(text, StringComparison.Ordinal))];
    }

    private static string FirstLine(byte[] output)
    {
        var text = Encoding.UTF8.GetString(output).TrimEnd('\n');
        int nl = text.IndexOf('\n');
        return nl < 0 ? text : text[..nl] + " …";
    }

    private static bool UseColor => !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("NO_COLOR") is null;

    private static string Paint(string text, int? status)
    {
        if (!UseColor || status is null) return text;
        var color = status switch { 0 => "32", 1 => "33", 2 => "31", _ => "35" };
        return $"\u001b[{color}m{text}\u001b[0m";
    }

    /// <summary>The last column is cut to the terminal's width (on a terminal only, so scripts get it whole).</summary>
    private static void PrintTable(string[] header, IEnumerable<string[]> rows, int statusColumn)
    {
        var all = rows.ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, all.Count == 0 ? 0 : all.Max(r => r[i].Length))).ToArray();
        int room = TerminalWidth() - widths.SkipLast(1).Sum(w => w + 2);
        if (room >= 12)
            all = [.. all.Select(r => r[^1].Length <= room ? r : [.. r.SkipLast(1), r[^1][..(room - 1)] + "…"])];
        Console.WriteLine(string.Join("  ", header.Select((h, i) => i == header.Length - 1 ? h : h.PadRight(widths[i]))));
        foreach (var row in all)
        {
            var cells = row.Select((cell, i) =>
            {
                var padded = i == row.Length - 1 ? cell : cell.PadRight(widths[i]);
                return i == statusColumn ? Paint(padded, StatusNames.TryParse(cell.Split(' ')[0], out var s) ? (int)s : null) : padded;
            });
            Console.WriteLine(string.Join("  ", cells));
        }
    }

    private static int TerminalWidth()
    {
        if (Console.IsOutputRedirected) return int.MaxValue / 2;
        if (int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out var columns) && columns > 0) return columns;
        try
        {
            return Console.WindowWidth > 0 ? Console.WindowWidth : int.MaxValue / 2;
        }
        catch (IOException)
        {
            return int.MaxValue / 2;
        }
    }

    private static int WriteJson(Action<Utf8JsonWriter> write)
    {
        using var stdout = Console.OpenStandardOutput();
        using (var writer = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = true }))
            write(writer);
        stdout.Write("\n"u8);
        return 0;
    }

    private static void WriteCheck(Utf8JsonWriter w, CheckSummary c, Mute? mute = null)
    {
        w.WriteStartObject();
        w.WriteString("id", c.Id);
        w.WriteString("wrapper", c.Wrapper);
        w.WriteString("identifier", c.Identifier);
        w.WriteString("command", c.CommandLine);
        w.WriteStartArray("argv");
        foreach (var arg in c.Argv) w.WriteStringValue(arg);
        w.WriteEndArray();
        w.WriteString("options", c.Options);
        w.WriteNumber("streak", c.Streak);
        w.WriteBoolean("alerting", c.Alerting);
        if (c.Threshold is { } t) w.WriteNumber("threshold", t); else w.WriteNull("threshold");
        if (c.Window is { } m) w.WriteNumber("window", m); else w.WriteNull("window");
        if (c.LastRunAtMs is { } at) w.WriteString("lastRunAt", DateTimeOffset.FromUnixTimeMilliseconds(at)); else w.WriteNull("lastRunAt");
        if (c.LastStatus is { } s) w.WriteString("lastStatus", StatusNames.Word(s)); else w.WriteNull("lastStatus");
        w.WriteString("lastOutcome", c.LastOutcome?.ToString().ToLowerInvariant());
        w.WriteNumber("runs", c.RunsTotal);
        if (mute is not null)
        {
            w.WriteString("mutedUntil", DateTimeOffset.FromUnixTimeMilliseconds(mute.UntilMs));
            w.WriteString("muteReason", mute.Reason);
        }
        w.WriteEndObject();
    }

    private static void WriteRun(Utf8JsonWriter w, RunRow r)
    {
        w.WriteStartObject();
        w.WriteString("startedAt", DateTimeOffset.FromUnixTimeMilliseconds(r.StartedAtMs));
        w.WriteNumber("durationMs", r.DurationMs);
        if (r.InnerExit is { } e) w.WriteNumber("innerExit", e); else w.WriteNull("innerExit");
        w.WriteString("status", StatusNames.Word(r.Status));
        w.WriteString("outcome", r.Outcome.ToString().ToLowerInvariant());
        if (r.Failed is { } f) w.WriteBoolean("failed", f); else w.WriteNull("failed");
        w.WriteString("output", Encoding.UTF8.GetString(r.Output));
        w.WriteEndObject();
    }
}

using System.Text;
using System.Text.Json;
using MetaCheck.Core;
using MetaCheck.State;

namespace MetaCheck.Wrappers;

/// <summary>`metacheck status` and `metacheck history`: what the wrappers remember, for a person or a script.</summary>
public static class StoreCommands
{
    public static IReadOnlyList<CommandInfo> All { get; } =
    [
        new("status", "list every tracked check: last status, failure streak, last run", Status) { Linked = false },
        new("history", "show the recent runs of a check, with a status timeline", History) { Linked = false },
    ];

    public static int Status(string[] args)
    {
        var stateDir = StateDirOption();
        var json = Opt.Flag("--json", "Print JSON instead of a table.");
        var definition = Cli.Define(Dialect.GetoptLongStrict, "status", "List every check the wrappers have run, newest first.", stateDir, json);
        return Cli.Run(definition, args, parsed =>
        {
            using var store = OpenExisting(parsed.GetValue(stateDir), out var dir);
            var checks = store?.ListChecks() ?? [];
            long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            if (parsed.GetValue(json)) return WriteJson(w => { w.WriteStartArray(); foreach (var c in checks) WriteCheck(w, c); w.WriteEndArray(); });
            if (checks.Count == 0) { Console.WriteLine($"no checks recorded yet in {dir}"); return 0; }
            var rows = checks.Select(c => new[]
            {
                Short(c.Id), c.Wrapper + (c.Identifier.Length > 0 ? $" [{c.Identifier}]" : ""),
                StatusText(c.LastStatus, c.LastOutcome), Streak(c), Ago(now, c.LastRunAtMs), c.CommandLine,
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
        var definition = Cli.Define(Dialect.GetoptLongStrict, "history",
            "Show recent runs of the checks whose key starts with, or whose command contains, the given text.\n" +
            "Example: metacheck history check-tcp    metacheck history 3f2a9c1d", stateDir, json, limit);
        var query = new System.CommandLine.Argument<string[]>("key-or-command") { Arity = System.CommandLine.ArgumentArity.OneOrMore };
        definition.Arguments.Add(query);
        return Cli.Run(definition, args, parsed =>
        {
            var text = string.Join(' ', parsed.GetValue(query) ?? []);
            using var store = OpenExisting(parsed.GetValue(stateDir), out var dir);
            var matches = (store?.ListChecks() ?? [])
                .Where(c => c.Id.StartsWith(text, StringComparison.OrdinalIgnoreCase) || c.CommandLine.Contains(text, StringComparison.Ordinal))
                .ToList();
            if (matches.Count == 0) throw new UsageException($"no check in {dir} has a key starting with or a command containing '{Opt.Shorten(text)}'; see 'metacheck status'");
            int n = parsed.GetValue(limit);
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
                        foreach (var r in store!.History(c.RowId, n)) WriteRun(w, r);
                        w.WriteEndArray();
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                });
            Console.WriteLine("timelines run oldest to newest: . ok  s failure suppressed  r replayed  - skipped  W C U reported failures");
            Console.WriteLine();
            foreach (var c in matches)
            {
                var runs = store!.History(c.RowId, n);
                Console.WriteLine($"{Short(c.Id)}  {c.Wrapper}{(c.Identifier.Length > 0 ? $" --identifier {ShellQuote.Quote(c.Identifier)}" : "")} -- {c.CommandLine}");
                Console.WriteLine($"  timeline {Timeline(runs)}");
                foreach (var r in runs)
                {
                    var when = DateTimeOffset.FromUnixTimeMilliseconds(r.StartedAtMs).ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss");
                    var exit = r.InnerExit is { } e ? $"exit {e}" : "-";
                    Console.WriteLine($"  {when}  {r.DurationMs,6} ms  {exit,-8} {Paint(StatusText(r.Status, r.Outcome), r.Status),-24} {FirstLine(r.Output)}");
                }
                Console.WriteLine();
            }
            return 0;
        });
    }

    private static System.CommandLine.Option<string?> StateDirOption() =>
        Opt.Text("--state-dir", $"Directory of the store (default: as the wrappers choose it; see ${StateDirectory.EnvVar}).");

    private static StateStore? OpenExisting(string? explicitDir, out string dir)
    {
        try
        {
            (dir, _) = StateDirectory.Resolve(explicitDir, Environment.GetEnvironmentVariable, Posix.EffectiveUserId);
            return File.Exists(Path.Combine(dir, StateStore.FileName)) ? StateStore.Open(dir) : null;
        }
        catch (StateUnavailableException e)
        {
            throw new UsageException(e.Message);
        }
    }

    public static string Timeline(IEnumerable<RunRow> runs) => new(runs.Select(r => r.Outcome switch
    {
        RunOutcome.Suppressed => 's',
        RunOutcome.Replayed => 'r',
        RunOutcome.Skipped => '-',
        _ => r.Status switch { 0 => '.', 1 => 'W', 2 => 'C', _ => 'U' },
    }).ToArray());

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
            _ => word,
        };
    }

    private static string Streak(CheckSummary c)
    {
        if (c.Streak == 0) return "-";
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

    private static string Short(string id) => id[..8];

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

    private static void PrintTable(string[] header, IEnumerable<string[]> rows, int statusColumn)
    {
        var all = rows.ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, all.Count == 0 ? 0 : all.Max(r => r[i].Length))).ToArray();
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

    private static int WriteJson(Action<Utf8JsonWriter> write)
    {
        using var stdout = Console.OpenStandardOutput();
        using (var writer = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = true }))
            write(writer);
        stdout.Write("\n"u8);
        return 0;
    }

    private static void WriteCheck(Utf8JsonWriter w, CheckSummary c)
    {
        w.WriteStartObject();
        w.WriteString("id", c.Id);
        w.WriteString("wrapper", c.Wrapper);
        w.WriteString("identifier", c.Identifier);
        w.WriteString("command", c.CommandLine);
        w.WriteNumber("streak", c.Streak);
        w.WriteBoolean("alerting", c.Alerting);
        if (c.Threshold is { } t) w.WriteNumber("threshold", t); else w.WriteNull("threshold");
        if (c.Window is { } m) w.WriteNumber("window", m); else w.WriteNull("window");
        if (c.LastRunAtMs is { } at) w.WriteString("lastRunAt", DateTimeOffset.FromUnixTimeMilliseconds(at)); else w.WriteNull("lastRunAt");
        if (c.LastStatus is { } s) w.WriteString("lastStatus", StatusNames.Word(s)); else w.WriteNull("lastStatus");
        w.WriteString("lastOutcome", c.LastOutcome?.ToString().ToLowerInvariant());
        w.WriteNumber("runs", c.RunsTotal);
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

using System.Text;
using MetaCheck.Core;
using MetaCheck.State;

namespace MetaCheck.Wrappers;

/// <summary>
/// Alert only after N failures in a row (or N of the last M runs with --within). A failure below the
/// threshold is reported OK as `DelayWarn(n/N): output`; at or above it the inner status passes
/// through as `DelayNG(n/N): output`. A success closes an open alert at once, or with --recover R only
/// after R successes in a row: until then it reports `DelayRecovering(k/R): output` with the status of
/// the failure that opened (or last renewed) the alert.
/// </summary>
public static class DelayChecker
{
    public const string Name = "delay-checker";

    public sealed record Settings(int Threshold, int? Within, int Recover = 1)
    {
        /// <summary>
        /// The options that make this a different check: -c 3 and -c 3 --within 5 keep separate streaks,
        /// and so does --recover (named only when set, so the default keeps the key it had).
        /// </summary>
        public IReadOnlyList<string> KeyOptions =>
        [
            "-c", $"{Threshold}",
            .. Within is { } m ? new[] { "--within", $"{m}" } : [],
            .. Recover != 1 ? new[] { "--recover", $"{Recover}" } : [],
        ];
    }

    public static int Main(string[] args) => Main(args, WrapperEnvironment.System());

    public static int Main(string[] args, WrapperEnvironment env)
    {
        var common = new CommonOptions();
        var count = Opt.Int("-c", "Consecutive failures at which the inner status is passed through.", 1, 1, 1_000_000, "--count");
        var identifier = Opt.Text("--identifier", "Extra text in the state key, to keep apart runs of the same command.");
        var within = Opt.OptionalInt("--within",
            "Alert when -c of the last M runs failed, not only -c in a row (catches a check that fails every other run).", 1, 100_000);
        var recover = Opt.Int("--recover",
            "Once alerting, keep the alert until this many runs in a row succeed (hysteresis against flapping; default: 1, the first success closes it).",
            1, 1, 1_000_000);
        var definition = Cli.Define(Dialect.GetoptLongStrict, Name,
            "Run a check; report its failures only once they have happened -c times in a row.\n" +
            "Example: delay-checker -c 3 -- check-tcp -H db1 -p 3306",
            [count, identifier, within, recover, .. common.All]);

        return Cli.RunWrapper(definition, args, (parsed, inner) =>
        {
            var settings = new Settings(parsed.GetValue(count), parsed.GetValue(within), parsed.GetValue(recover));
            if (settings.Within is { } m && m < settings.Threshold)
                throw new UsageException($"--within {m} is less than -c {settings.Threshold}: the alert could never fire");
            using var run = new WrapperRun(Name, parsed, common, env);
            if (settings.Within > run.KeepRuns)
                throw new UsageException($"--within {settings.Within} is more than the {run.KeepRuns} runs kept per check; raise --keep-runs");
            var id = new CheckIdentity(Name, parsed.GetValue(identifier) ?? "", inner, settings.KeyOptions);

            var outcome = run.RunInner(inner);
            return run.RecordAndReport(id, (settings.Within ?? 1) - 1, state => Decide(state, outcome, settings), () => WithoutHistory(outcome));
        });
    }

    /// <summary>The pure rule: previous state + this run → new state, report and exit code.</summary>
    public static Decision Decide(CheckState state, InnerOutcome outcome, Settings settings)
    {
        var run = outcome.ToRecord();
        CheckUpdate Update(RunRecord reported, bool? failed, long streak, bool alerting, int? held = null, long okStreak = 0) =>
            new(reported, failed, streak, alerting, settings.Threshold, settings.Within, HeldStatus: held, OkStreak: okStreak);

        if (!outcome.CountsForHealth)
            return new Decision(Update(run, null, state.Streak, state.Alerting, state.HeldStatus, state.OkStreak), outcome.Output, outcome.Status);

        if (outcome.Status == 0)
        {
            long successes = state.OkStreak + 1;
            if (state.Alerting && successes < settings.Recover)
            {
                // Hysteresis: the alert stays open with the status it had; the output is today's.
                int held = state.HeldStatus ?? (int)Status.Critical;
                var recovering = WithNewline(outcome.Output, $"DelayRecovering({successes}/{settings.Recover}): ");
                var kept = run with { Status = held, Outcome = RunOutcome.Recovering, Output = recovering };
                return new Decision(Update(kept, false, 0, true, held, successes), recovering, held);
            }
            var ok = WithNewline(outcome.Output);
            return new Decision(Update(run with { Output = ok }, false, 0, false), ok, 0);
        }

        long streak = state.Streak + 1;
        long failures = settings.Within is { } m ? 1 + state.RecentFailures.Take(m - 1).Count(f => f) : streak;
        // With --recover, an alert still open (recovering) goes on alerting whatever the count; with the
        // default the count alone decides, exactly as before --recover existed.
        bool alert = failures >= settings.Threshold || (settings.Recover > 1 && state.Alerting);
        var scope = settings.Within is { } w ? $" in last {w}" : "";
        var report = WithNewline(outcome.Output, $"{(alert ? "DelayNG" : "DelayWarn")}({failures}/{settings.Threshold}{scope}): ");
        int exit = alert ? outcome.Status : 0;
        var reported = run with { Status = exit, Outcome = alert ? outcome.Kind : RunOutcome.Suppressed, Output = report };
        return new Decision(Update(reported, true, streak, alert, alert ? outcome.Status : null), report, exit);
    }

    /// <summary>The store is unusable: report the check's real result, never hide a failure.</summary>
    private static Decision WithoutHistory(InnerOutcome outcome) => new(null!,
        outcome.Status == 0 && outcome.CountsForHealth ? WithNewline(outcome.Output) : outcome.Output, outcome.Status);

    /// <summary>Like the original: strip up to two trailing LFs, then add one (and the prefix, if any).</summary>
    public static byte[] WithNewline(byte[] output, string prefix = "")
    {
        int end = output.Length;
        for (int i = 0; i < 2 && end > 0 && output[end - 1] == (byte)'\n'; i++) end--;
        return [.. Encoding.UTF8.GetBytes(prefix), .. output.AsSpan(0, end), (byte)'\n'];
    }
}

using System.Text;
using MetaCheck.Core;
using MetaCheck.State;

namespace MetaCheck.Wrappers;

/// <summary>
/// Alert only after N failures in a row (or N of the last M runs with --within). A failure below the
/// threshold is reported OK as `DelayWarn(n/N): output`; at or above it the inner status passes
/// through as `DelayNG(n/N): output`; any success is reported at once, which closes an open alert.
/// </summary>
public static class DelayChecker
{
    public const string Name = "delay-checker";

    public sealed record Settings(int Threshold, int? Within);

    public sealed record Verdict(CheckUpdate Update, byte[] Report, int Exit);

    public static int Main(string[] args) => Main(args, WrapperEnvironment.System());

    public static int Main(string[] args, WrapperEnvironment env)
    {
        var common = new CommonOptions();
        var count = Opt.Int("-c", "Consecutive failures at which the inner status is passed through.", 1, 1, 1_000_000, "--count");
        var identifier = Opt.Text("--identifier", "Extra text in the state key, to keep apart runs of the same command.");
        var within = Opt.OptionalInt("--within",
            "Alert when -c of the last M runs failed, not only -c in a row (catches a check that fails every other run).", 1, 100_000);
        var definition = Cli.Define(Dialect.GetoptLongStrict, Name,
            "Run a check; report its failures only once they have happened -c times in a row.\n" +
            "Example: delay-checker -c 3 -- check-tcp -H db1 -p 3306",
            [count, identifier, within, .. common.All]);

        return Cli.RunWrapper(definition, args, (parsed, inner) =>
        {
            var settings = new Settings(parsed.GetValue(count), parsed.GetValue(within));
            if (settings.Within is { } m && m < settings.Threshold)
                throw new UsageException($"--within {m} is less than -c {settings.Threshold}: the alert could never fire");
            using var run = new WrapperRun(Name, parsed, common, env);
            if (settings.Within > run.KeepRuns)
                throw new UsageException($"--within {settings.Within} is more than the {run.KeepRuns} runs kept per check; raise --keep-runs");
            var id = new CheckIdentity(Name, parsed.GetValue(identifier) ?? "", inner);

            var outcome = run.RunInner(inner);
            var verdict = run.WithStore(
                store => store.Update(id, (settings.Within ?? 1) - 1, state =>
                {
                    var verdict = Decide(state, outcome, settings);
                    return (verdict.Update, verdict);
                }),
                fallback: WithoutHistory(outcome));
            return run.Report(verdict.Report, verdict.Exit);
        });
    }

    /// <summary>The pure rule: previous state + this run → new state, report and exit code.</summary>
    public static Verdict Decide(CheckState state, InnerOutcome outcome, Settings settings)
    {
        var run = outcome.ToRecord();
        if (!outcome.CountsForHealth)
            return new Verdict(new CheckUpdate(run, null, state.Streak, state.Alerting, settings.Threshold, settings.Within),
                outcome.Output, outcome.Status);

        if (outcome.Status == 0)
        {
            var ok = WithNewline(outcome.Output);
            return new Verdict(new CheckUpdate(run with { Output = ok }, false, 0, false, settings.Threshold, settings.Within), ok, 0);
        }

        long streak = state.Streak + 1;
        long failures = settings.Within is { } m ? 1 + state.RecentFailures.Take(m - 1).Count(f => f) : streak;
        bool alert = failures >= settings.Threshold;
        var scope = settings.Within is { } w ? $" in last {w}" : "";
        var report = WithNewline(outcome.Output, $"{(alert ? "DelayNG" : "DelayWarn")}({failures}/{settings.Threshold}{scope}): ");
        int exit = alert ? outcome.Status : 0;
        var reported = run with { Status = exit, Outcome = alert ? outcome.Kind : RunOutcome.Suppressed, Output = report };
        return new Verdict(new CheckUpdate(reported, true, streak, alert, settings.Threshold, settings.Within), report, exit);
    }

    /// <summary>The store is unusable: report the check's real result, never hide a failure.</summary>
    private static Verdict WithoutHistory(InnerOutcome outcome) => new(null!,
        outcome.Status == 0 && outcome.CountsForHealth ? WithNewline(outcome.Output) : outcome.Output, outcome.Status);

    /// <summary>Like the original: strip up to two trailing LFs, then add one (and the prefix, if any).</summary>
    public static byte[] WithNewline(byte[] output, string prefix = "")
    {
        int end = output.Length;
        for (int i = 0; i < 2 && end > 0 && output[end - 1] == (byte)'\n'; i++) end--;
        return [.. Encoding.UTF8.GetBytes(prefix), .. output.AsSpan(0, end), (byte)'\n'];
    }
}

using MetaCheck.Core;
using MetaCheck.State;

namespace MetaCheck.Wrappers;

/// <summary>
/// Run a heavy check at most once per --interval: a successful result (and, with --cache-failures,
/// any result) is replayed byte for byte until it is that old, so Mackerel's "same OK message is not
/// re-sent" rule still holds.
/// </summary>
public static class IntervalChecker
{
    public const string Name = "interval-checker";

    public sealed record Settings(TimeSpan Interval, bool CacheFailures);

    public static int Main(string[] args) => Main(args, WrapperEnvironment.System());

    public static int Main(string[] args, WrapperEnvironment env)
    {
        var common = new CommonOptions();
        var interval = Opt.Duration("--interval", "Replay the last result until it is this old (seconds, or 90s/5m/1h/1d) (default: 1).",
            TimeSpan.FromDays(366));
        var identifier = Opt.Text("--identifier", "Extra text in the state key, to keep apart runs of the same command.");
        var cacheFailures = Opt.Flag("--cache-failures", "Replay failures too (by default only successes are replayed).");
        var definition = Cli.Define(Dialect.GetoptLongStrict, Name,
            "Run a check at most once per --interval; in between, replay its last result.\n" +
            "Example: interval-checker --interval 300 -- check-ssl-validate -H example.com",
            [interval, identifier, cacheFailures, .. common.All]);

        return Cli.RunWrapper(definition, args, (parsed, inner) =>
        {
            var settings = new Settings(parsed.GetValue(interval) ?? TimeSpan.FromSeconds(1), parsed.GetValue(cacheFailures));
            using var run = new WrapperRun(Name, parsed, common, env);
            var id = new CheckIdentity(Name, parsed.GetValue(identifier) ?? "", inner);

            long now = env.Clock.GetCurrentInstant().ToUnixTimeMilliseconds();
            var cached = run.WithStore(store => store.Read(id).Cached, null);
            if (Replayable(cached, now, settings) is { } replay)
            {
                run.WithStore(store => store.Update(id, 0, state =>
                    (InnerOutcome.NotRun(state, now, replay.Status, RunOutcome.Replayed, replay.Output), 0)), 0);
                return run.Report(replay.Output, replay.Status);
            }

            var outcome = run.RunInner(inner);
            run.WithStore(store => store.Update(id, 0, state => (Record(state, outcome, settings), 0)), 0);
            return run.Report(outcome.Output, outcome.Status);
        });
    }

    /// <summary>
    /// The cached result, if it may be replayed now. A result from the future (the clock was stepped
    /// back) is stale, never "fresh until the clock catches up" as in the original.
    /// </summary>
    public static CachedResult? Replayable(CachedResult? cached, long nowMs, Settings settings)
    {
        if (cached is null) return null;
        if (cached.Status != 0 && !settings.CacheFailures) return null;
        long age = nowMs - cached.AtMs;
        return age >= 0 && age < (long)settings.Interval.TotalMilliseconds ? cached : null;
    }

    /// <summary>What a real run leaves behind: the new cache entry, or no cache at all.</summary>
    public static CheckUpdate Record(CheckState state, InnerOutcome outcome, Settings settings)
    {
        bool cacheable = outcome.CountsForHealth && (outcome.Status == 0 || settings.CacheFailures);
        return cacheable
            ? outcome.ToUpdate(state) with
            {
                Cache = CacheChange.Set, NewCache = new CachedResult(outcome.FinishedAtMs, outcome.Status, outcome.Output),
            }
            : outcome.ToUpdate(state) with { Cache = CacheChange.Clear };
    }
}

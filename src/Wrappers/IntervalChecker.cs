using MetaCheck.Core;
using MetaCheck.State;

namespace MetaCheck.Wrappers;

/// <summary>
/// Run a heavy check at most once per --interval: a successful result (and, with --cache-failures,
/// any result) is replayed byte for byte until it is that old, so Mackerel's "same OK message is not
/// re-sent" rule still holds. When the interval has expired and several runs arrive together, one of
/// them runs the inner command and the others wait for its result and replay it (single flight).
/// </summary>
public static class IntervalChecker
{
    public const string Name = "interval-checker";
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(20);

    public sealed record Settings(TimeSpan Interval, bool CacheFailures)
    {
        /// <summary>The options that make this a different check (each interval keeps its own cached result).</summary>
        public IReadOnlyList<string> KeyOptions
        {
            get
            {
                var seconds = Interval.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
                return CacheFailures ? ["--interval", seconds, "--cache-failures"] : ["--interval", seconds];
            }
        }
    }

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
            "Runs that arrive while another runs the check wait for its result (at most --timeout).\n" +
            "Example: interval-checker --interval 300 -- check-ssl-validate -H example.com",
            [interval, identifier, cacheFailures, .. common.All]);

        return Cli.RunWrapper(definition, args, (parsed, inner) =>
        {
            var settings = new Settings(parsed.GetValue(interval) ?? TimeSpan.FromSeconds(1), parsed.GetValue(cacheFailures));
            using var run = new WrapperRun(Name, parsed, common, env);
            var id = new CheckIdentity(Name, parsed.GetValue(identifier) ?? "", inner, settings.KeyOptions);

            var arrived = run.WithStore(store => store.Read(id).Cached, null);
            if (Replayable(arrived, Now(env), settings) is { } fresh) return Replay(run, id, fresh);

            using var turn = TakeTurn(run, id);
            if (turn.Taken && run.WithStore(store => store.Read(id).Cached, null) is { } latest && latest.AtMs != arrived?.AtMs)
                return Replay(run, id, latest); // another run finished the check since this one arrived: its result, whatever it was

            var outcome = run.RunInner(inner);
            return run.RecordAndReport(id, 0, state => new Decision(Record(state, outcome), outcome.Output, outcome.Status),
                () => new Decision(null!, outcome.Output, outcome.Status));
        });
    }

    private static long Now(WrapperEnvironment env) => env.Clock.GetCurrentInstant().ToUnixTimeMilliseconds();

    private static int Replay(WrapperRun run, CheckIdentity id, CachedResult replay) => run.RecordAndReport(id, 0,
        state => new Decision(InnerOutcome.NotRun(state, Now(run.Env), replay.Status, RunOutcome.Replayed, replay.Output), replay.Output, replay.Status),
        () => new Decision(null!, replay.Output, replay.Status));

    /// <summary>This run's turn to run the check: the lock, once no other run holds it.</summary>
    private sealed class Turn(RunLock? held) : IDisposable
    {
        public bool Taken => held is not null;
        public void Dispose() => held?.Dispose();
    }

    /// <summary>
    /// Waits while another run holds the check's lock (it is running the inner command), at most
    /// --timeout; then, or if the lock cannot be used at all, this run goes on without it.
    /// </summary>
    private static Turn TakeTurn(WrapperRun run, CheckIdentity id)
    {
        var dir = run.WithStore(store => Path.GetDirectoryName(store.DatabasePath), null);
        if (dir is null) return new Turn(null);
        RunLock? runLock = null;
        try
        {
            runLock = RunLock.OpenFile(Path.Combine(dir, $"{Name}.{id.Id}.lock"));
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (!runLock.TryTake())
            {
                if (run.Timeout is { } limit && waited.Elapsed >= limit)
                {
                    run.Env.Stderr.WriteLine($"metacheck: {Name}: another run still runs this check after --timeout {limit.TotalSeconds:0.###} s; running it too");
                    runLock.Dispose();
                    return new Turn(null);
                }
                Thread.Sleep(PollEvery);
            }
            return new Turn(runLock);
        }
        catch (IOException e)
        {
            runLock?.Dispose();
            run.Env.Stderr.WriteLine($"metacheck: {Name}: {e.Message}; running the check without waiting for other runs");
            return new Turn(null);
        }
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

    /// <summary>
    /// What a real run leaves behind: its result in the cache (a failure too: runs waiting for this one
    /// replay it, though later runs replay only successes unless --cache-failures), or no cache at all
    /// when the run said nothing about the check.
    /// </summary>
    public static CheckUpdate Record(CheckState state, InnerOutcome outcome) =>
        outcome.CountsForHealth
            ? outcome.ToUpdate(state) with
            {
                Cache = CacheChange.Set, NewCache = new CachedResult(outcome.FinishedAtMs, outcome.Status, outcome.Output),
            }
            : outcome.ToUpdate(state) with { Cache = CacheChange.Clear };
}

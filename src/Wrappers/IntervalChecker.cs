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

            using var turn = TakeTurn(run, id, arrived);
            if (turn.Finished is { } latest) return Replay(run, id, latest); // another run finished the check since this one arrived: its result, whatever it was
            if (turn.GaveUp) return ReportStillRunning(run, id, arrived);

            var outcome = run.RunInner(inner);
            return run.RecordAndReport(id, 0, state => new Decision(Record(state, outcome), outcome.Output, outcome.Status),
                () => new Decision(null!, outcome.Output, outcome.Status));
        });
    }

    private static long Now(WrapperEnvironment env) => env.Clock.GetCurrentInstant().ToUnixTimeMilliseconds();

    private static int Replay(WrapperRun run, CheckIdentity id, CachedResult replay) => run.RecordAndReport(id, 0,
        state => new Decision(InnerOutcome.NotRun(state, Now(run.Env), replay.Status, RunOutcome.Replayed, replay.Output), replay.Output, replay.Status),
        () => new Decision(null!, replay.Output, replay.Status));

    /// <summary>
    /// What waiting for the check's lock came to: this run holds it and runs the check, another run
    /// finished the check meanwhile (<see cref="Finished"/>), or --timeout passed while a live run still
    /// held it (<see cref="GaveUp"/>). Without a usable lock none of these: the run goes on without it.
    /// </summary>
    private sealed class Turn(RunLock? held = null, CachedResult? finished = null, bool gaveUp = false) : IDisposable
    {
        public CachedResult? Finished => finished;
        public bool GaveUp => gaveUp;
        public void Dispose() => held?.Dispose();
    }

    /// <summary>
    /// Waits while another run holds the check's lock (it is running the inner command), at most
    /// --timeout. The lock is only held to run the check: a run that finds a result newer than the one
    /// it arrived with lets go at once and replays it, so waiters never queue behind each other's
    /// replays. A waiter never runs the check while a live run holds the lock; the kernel drops the
    /// lock of a run that dies, and the next waiter to take it runs the check.
    /// </summary>
    private static Turn TakeTurn(WrapperRun run, CheckIdentity id, CachedResult? arrived)
    {
        var dir = run.WithStore(store => Path.GetDirectoryName(store.DatabasePath), null);
        if (dir is null) return new Turn();
        RunLock? runLock = null;
        try
        {
            runLock = RunLock.OpenFile(Path.Combine(dir, $"{Name}.{id.Id}.lock"));
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (true)
            {
                bool taken = runLock.TryTake();
                if (taken || run.Timeout is { } limit && waited.Elapsed >= limit)
                {
                    var latest = run.WithStore(store => store.Read(id).Cached, null);
                    if (latest is not null && latest.AtMs != arrived?.AtMs)
                    {
                        runLock.Dispose();
                        return new Turn(finished: latest);
                    }
                    if (taken) return new Turn(held: runLock);
                    runLock.Dispose();
                    return new Turn(gaveUp: true);
                }
                Thread.Sleep(PollEvery);
            }
        }
        catch (IOException e)
        {
            runLock?.Dispose();
            run.Env.Stderr.WriteLine($"metacheck: {Name}: {e.Message}; running the check without waiting for other runs");
            return new Turn();
        }
    }

    /// <summary>
    /// --timeout passed while another run still runs the check: its last result, marked stale on a line
    /// of its own after the first, or UNKNOWN when there is none. Running the check a second time would
    /// double the load the interval exists to bound.
    /// </summary>
    private static int ReportStillRunning(WrapperRun run, CheckIdentity id, CachedResult? last)
    {
        var limit = run.Timeout!.Value.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
        var running = $"another run has been running this check for more than --timeout {limit} s";
        run.Env.Stderr.WriteLine($"metacheck: {Name}: {running}; reporting {(last is null ? "UNKNOWN" : "its last result, marked stale")}");
        var (status, output, kind) = last is null
            ? (3, WrapperRun.Line($"UNKNOWN: {Name}: the check is still running in another run ({running}) and has no earlier result"), RunOutcome.Skipped)
            : (last.Status, WrapperRun.InsertNote(last.Output, $"{Name}: stale: {running}; this is its last result"), RunOutcome.Replayed);
        return run.RecordAndReport(id, 0, state => new Decision(InnerOutcome.NotRun(state, Now(run.Env), status, kind, output), output, status),
            () => new Decision(null!, output, status));
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

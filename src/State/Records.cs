namespace MetaCheck.State;

/// <summary>How a wrapper run ended; stored as its number, so append only.</summary>
public enum RunOutcome
{
    Ran = 0,          // inner command ran, its result was reported as is
    Suppressed = 1,   // inner command failed, reported OK (delay-checker DelayWarn)
    Replayed = 2,     // inner command not run, cached result reported (interval-checker)
    Skipped = 3,      // inner command not run, outside the time window (periodic-checker)
    TimedOut = 4,     // inner command killed after --timeout
    LaunchFailed = 5, // inner command could not be started (not found, not executable)
    Interrupted = 6,  // wrapper was signalled while the inner command ran
    Held = 7,         // inner command not run, outside the time window; last in-window result reported (periodic-checker --outside keep)
    Muted = 8,        // a failure reported OK because of `metacheck mute`
    Recovering = 9,   // inner command succeeded, the open alert kept until --recover successes in a row (delay-checker)
}

public sealed record RunRecord(long StartedAtMs, long DurationMs, int? InnerExit, int Status, RunOutcome Outcome, byte[] Output);

public sealed record CachedResult(long AtMs, int Status, byte[] Output);

/// <summary>
/// What the store knows of a check before a run. <paramref name="HeldStatus"/> is the status an open
/// alert reports while it recovers, <paramref name="OkStreak"/> the successes in a row since it opened.
/// </summary>
public sealed record CheckState(long Streak, bool Alerting, CachedResult? Cached, IReadOnlyList<bool> RecentFailures,
    int? HeldStatus = null, long OkStreak = 0)
{
    public static readonly CheckState Empty = new(0, false, null, []);
}

public enum CacheChange { Keep, Clear, Set }

/// <summary>
/// What a run changes. <paramref name="Failed"/> is null for runs that say nothing about the check's
/// health (replays, skips, launch failures): they are kept in history but not in failure windows.
/// </summary>
public sealed record CheckUpdate(
    RunRecord Run,
    bool? Failed,
    long Streak,
    bool Alerting,
    int? Threshold = null,
    int? Window = null,
    CacheChange Cache = CacheChange.Keep,
    CachedResult? NewCache = null,
    int? HeldStatus = null,
    long OkStreak = 0);

public sealed record CheckSummary(
    long RowId, string Id, string Wrapper, string Identifier, string CommandLine, long Streak, bool Alerting,
    int? Threshold, int? Window, long? LastRunAtMs, int? LastStatus, RunOutcome? LastOutcome, long RunsTotal,
    IReadOnlyList<string> Argv, string Options);

public sealed record RunRow(long Id, long StartedAtMs, long DurationMs, int? InnerExit, int Status, RunOutcome Outcome, bool? Failed, byte[] Output);

using MetaCheck.State;
using NodaTime;
using NodaTime.TimeZones;

namespace MetaCheck.Wrappers;

/// <summary>What a wrapper run records and reports.</summary>
public sealed record Decision(CheckUpdate Update, byte[] Report, int Exit);

/// <summary>Recording, reporting and `metacheck mute`, the same for every wrapper.</summary>
public sealed partial class WrapperRun
{
    /// <summary>The inner command's --timeout, if any (interval-checker waits for another run at most this long).</summary>
    public TimeSpan? Timeout => _settings.Timeout;

    /// <summary>
    /// Records the run and reports it. <paramref name="decide"/> sees the state as of the store's write
    /// lock. While the check is muted the report is OK after a line saying until when and why, and the
    /// run is recorded as reported (a hidden failure as <see cref="RunOutcome.Muted"/>); the check's own
    /// state (streaks, alerts, cache) moves on as if it were not muted. Without a store,
    /// <paramref name="withoutStore"/> is reported, never muted: a failure is not hidden by a mute nobody can read.
    /// </summary>
    public int RecordAndReport(CheckIdentity id, int recentRuns, Func<CheckState, Decision> decide, Func<Decision> withoutStore)
    {
        var now = _env.Clock.GetCurrentInstant();
        var mute = WithStore(store => store.ActiveMute(id.Key, now.ToUnixTimeMilliseconds()), null);
        var decision = WithStore(store => store.Update(id, recentRuns, state =>
        {
            var d = Muted(decide(state), mute, now);
            return (d.Update, d);
        }), null) ?? withoutStore();
        return Report(decision.Report, decision.Exit);
    }

    private static Decision Muted(Decision decision, Mute? mute, Instant now)
    {
        if (mute is null) return decision;
        var reason = mute.Reason.Length > 0 ? $" ({Core.Terminal.Printable(mute.Reason)})" : "";
        byte[] report = [.. Line($"OK: muted until {LocalTimes.Text(mute.UntilMs, LocalTimes.ProcessZone, now)}{reason}"), .. decision.Report];
        var run = decision.Update.Run;
        run = run with { Status = 0, Output = report, Outcome = decision.Exit != 0 ? RunOutcome.Muted : run.Outcome };
        return new Decision(decision.Update with { Run = run }, report, 0);
    }
}

public static class LocalTimes
{
    public static DateTimeZone ProcessZone => BclDateTimeZone.ForSystemDefault();

    /// <summary>`HH:mm` for a time of the current local day, `yyyy-MM-dd HH:mm` for any other.</summary>
    public static string Text(long atMs, DateTimeZone zone, Instant now)
    {
        var at = Instant.FromUnixTimeMilliseconds(atMs).InZone(zone).LocalDateTime;
        return at.Date == now.InZone(zone).Date ? at.ToString("HH':'mm", null) : at.ToString("yyyy'-'MM'-'dd HH':'mm", null);
    }
}

using MetaCheck.Core;
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
    /// lock. A mute works as a monitoring server's downtime (see docs/mute.md): an alert open when the
    /// run starts stays open with the status it had (a WARNING that turns CRITICAL is held at WARNING); a
    /// failure that would open an alert is reported OK; a recovery is reported as one. Every muted report
    /// starts with a line saying until when and why, and a hidden or held failure is recorded as
    /// <see cref="RunOutcome.Muted"/>; the check's own state (streaks, alerts, cache) moves on as if it
    /// were not muted, so when the mute ends the wrapper reports what its rules say, nothing invented.
    /// Without a store, <paramref name="withoutStore"/> is reported, never muted: a failure is not hidden
    /// by a mute nobody can read.
    /// </summary>
    public int RecordAndReport(CheckIdentity id, int recentRuns, Func<CheckState, Decision> decide, Func<Decision> withoutStore)
    {
        var now = _env.Clock.GetCurrentInstant();
        long nowMs = now.ToUnixTimeMilliseconds();
        var mute = new[] { WithStore(store => store.ActiveMute(id, nowMs), null), HostMute(id, nowMs) }.MaxBy(m => m?.UntilMs ?? 0);
        var decision = WithStore(store => store.Update(id, recentRuns, state =>
        {
            var d = mute is null ? decide(state) : Muted(decide(state), mute, store.LastReportedStatus(id.Key) ?? 0, now);
            return (d.Update, d);
        }), null) ?? withoutStore();
        return Report(decision.Report, decision.Exit);
    }

    /// <summary>The host-wide mute in force for this check (root's `metacheck mute`), if any; an untrusted file is said on stderr.</summary>
    private Mute? HostMute(CheckIdentity id, long nowMs) => HostMutes.Read(_env.GetEnv, nowMs, _env.Stderr, _wrapper)
        .Where(m => m.InForce(nowMs) && m.Covers(id.Key, id.Id, id.Identifier, id.CommandLine)).MaxBy(m => m.UntilMs);

    /// <summary>The decision as reported under <paramref name="mute"/>, given the status the server shows now.</summary>
    public static Decision Muted(Decision decision, Mute mute, int shownStatus, Instant now)
    {
        // A failure while the server shows one: the open alert keeps its status. Otherwise OK: what the
        // check said if it succeeded, the mute's word if it failed.
        int status = decision.Exit != 0 && shownStatus != 0 ? shownStatus : 0;
        var reason = mute.Reason.Length > 0 ? $" ({Core.Terminal.Printable(mute.Reason)})" : "";
        var held = status != 0 ? "; the open alert is held" : "";
        // A failure shown under a status that is not its own keeps its text but not its performance data.
        var shown = decision.Exit != 0 ? Perfdata.Strip(decision.Report) : decision.Report;
        byte[] report = [.. Line($"{StatusNames.Word(status)}: muted until {LocalTimes.Text(mute.UntilMs, LocalTimes.ProcessZone, now)}{reason}{held}"), .. shown];
        var run = decision.Update.Run;
        run = run with { Status = status, Output = report, Outcome = decision.Exit != 0 ? RunOutcome.Muted : run.Outcome };
        return new Decision(decision.Update with { Run = run }, report, status);
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

using MetaCheck.Core;
using MetaCheck.State;
using NodaTime;
using NodaTime.TimeZones;

namespace MetaCheck.Wrappers;

/// <summary>
/// Run the check only inside time windows; outside them report `OK: out of time ranges: <ranges>
/// [HH:MM]` without running it, or with --outside keep the last in-window result, marked as held.
/// </summary>
public static class PeriodicChecker
{
    public const string Name = "periodic-checker";
    public const string DefaultRanges = "00:00-24:00";

    public static int Main(string[] args) => Main(args, WrapperEnvironment.System());

    public static int Main(string[] args, WrapperEnvironment env)
    {
        var common = new CommonOptions();
        var ranges = Opt.Text("--ranges",
            $"Windows in which to run the check: HH:MM-HH:MM[,...]; may cross midnight (22:00-06:00) and name days (Mon-Fri@09:00-18:00) (default: {DefaultRanges}).");
        var tz = Opt.Text("--tz", "IANA time zone of the windows (e.g. Asia/Tokyo) (default: the process zone (TZ, else /etc/localtime)).");
        var outside = Opt.OneOf("--outside",
            "What to report outside the windows: ok (OK, which closes an open alert) or keep (the last in-window status and output, marked as held) (default: ok).", ["ok", "keep"]);
        var definition = Cli.Define(Dialect.GetoptLong, Name,
            "Run a check only inside time windows; outside them report OK without running it.\n" +
            "Example: periodic-checker --ranges 00:00-06:00,06:30-24:00 -- check-backup",
            [ranges, tz, outside, .. common.All]);

        return Cli.RunWrapper(definition, args, (parsed, inner) =>
        {
            var windows = TimeRanges.Parse(parsed.GetValue(ranges) ?? DefaultRanges);
            var zone = Zone(parsed.GetValue(tz), env);
            bool keep = parsed.GetValue(outside) switch
            {
                null or "ok" => false,
                "keep" => true,
                var other => throw new UsageException($"--outside takes ok or keep, got '{Opt.Shorten(other)}'"),
            };
            using var run = new WrapperRun(Name, parsed, common, env);
            // Different windows (or zones) are different checks.
            string[] keyOptions = parsed.GetValue(tz) is { } zoneName ? ["--ranges", windows.Text, "--tz", zoneName] : ["--ranges", windows.Text];
            var id = new CheckIdentity(Name, "", inner, keyOptions);

            var now = env.Clock.GetCurrentInstant();
            var local = now.InZone(zone).LocalDateTime;
            if (!windows.Contains(local))
            {
                var skipped = WrapperRun.Line($"OK: out of time ranges: {windows.Text} [{local:HH':'mm}]");
                return run.RecordAndReport(id, 0, state =>
                {
                    var decision = keep && state.Cached is { } last ? Held(last, windows, zone, now) : (Report: skipped, Status: 0, Outcome: RunOutcome.Skipped);
                    return new Decision(InnerOutcome.NotRun(state, now.ToUnixTimeMilliseconds(), decision.Status, decision.Outcome, decision.Report),
                        decision.Report, decision.Status);
                }, () => new Decision(null!, skipped, 0));
            }

            // Every in-window result is kept (as the check's cache) for --outside keep, except an
            // interrupted run, which says nothing about the check.
            var outcome = run.RunInner(inner);
            return run.RecordAndReport(id, 0, state => new Decision(
                outcome.Kind == RunOutcome.Interrupted ? outcome.ToUpdate(state)
                    : outcome.ToUpdate(state) with
                    {
                        Cache = CacheChange.Set, NewCache = new CachedResult(outcome.StartedAtMs, outcome.Status, outcome.Output),
                    },
                outcome.Output, outcome.Status), () => new Decision(null!, outcome.Output, outcome.Status));
        });
    }

    /// <summary>
    /// Outside the windows with --outside keep: the last in-window result, saying since when it is held,
    /// without its performance data (nothing was measured now).
    /// </summary>
    private static (byte[] Report, int Status, RunOutcome Outcome) Held(CachedResult last, TimeRanges windows, DateTimeZone zone, Instant now) =>
        (DelayChecker.WithNewline(Perfdata.Strip(last.Output), $"Held(since {LocalTimes.Text(last.AtMs, zone, now)}, out of time ranges {windows.Text}): "),
            last.Status, RunOutcome.Held);

    /// <summary>--tz if given, else the process zone as libc reads TZ (see <see cref="ProcessTimeZone"/>).</summary>
    public static DateTimeZone Zone(string? name, WrapperEnvironment env, string command = Name)
    {
        if (name is null) return ProcessTimeZone.Resolve(env.GetEnv("TZ"), env.Stderr, command);
        return DateTimeZoneProviders.Tzdb.GetZoneOrNull(name)
            ?? throw new UsageException($"unknown time zone '{Opt.Shorten(name)}' for --tz; use an IANA name such as Asia/Tokyo or UTC");
    }
}

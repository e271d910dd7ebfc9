using MetaCheck.Core;
using MetaCheck.State;
using NodaTime;
using NodaTime.TimeZones;

namespace MetaCheck.Wrappers;

/// <summary>
/// Run the check only inside time windows; outside them report
/// `OK: out of time ranges: <ranges> [HH:MM]` without running it.
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
        var definition = Cli.Define(Dialect.GetoptLong, Name,
            "Run a check only inside time windows; outside them report OK without running it.\n" +
            "Example: periodic-checker --ranges 00:00-06:00,06:30-24:00 -- check-backup",
            [ranges, tz, .. common.All]);

        return Cli.RunWrapper(definition, args, (parsed, inner) =>
        {
            var windows = TimeRanges.Parse(parsed.GetValue(ranges) ?? DefaultRanges);
            var zone = Zone(parsed.GetValue(tz), env);
            using var run = new WrapperRun(Name, parsed, common, env);
            var id = new CheckIdentity(Name, "", inner);

            var now = env.Clock.GetCurrentInstant();
            var local = now.InZone(zone).LocalDateTime;
            if (!windows.Contains(local))
            {
                var report = WrapperRun.Line($"OK: out of time ranges: {windows.Text} [{local:HH':'mm}]");
                run.WithStore(store => store.Update(id, 0, state =>
                    (InnerOutcome.NotRun(state, now.ToUnixTimeMilliseconds(), 0, RunOutcome.Skipped, report), 0)), 0);
                return run.Report(report, 0);
            }

            var outcome = run.RunInner(inner);
            run.WithStore(store => store.Update(id, 0, state => (outcome.ToUpdate(state), 0)), 0);
            return run.Report(outcome.Output, outcome.Status);
        });
    }

    /// <summary>--tz if given, else the process zone as libc reads TZ (see <see cref="ProcessTimeZone"/>).</summary>
    public static DateTimeZone Zone(string? name, WrapperEnvironment env)
    {
        if (name is null) return ProcessTimeZone.Resolve(env.GetEnv("TZ"), env.Stderr, Name);
        return DateTimeZoneProviders.Tzdb.GetZoneOrNull(name)
            ?? throw new UsageException($"unknown time zone '{Opt.Shorten(name)}' for --tz; use an IANA name such as Asia/Tokyo or UTC");
    }
}

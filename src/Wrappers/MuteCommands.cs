using System.CommandLine;
using MetaCheck.Core;
using MetaCheck.State;
using NodaTime;
using static MetaCheck.Core.Terminal;

namespace MetaCheck.Wrappers;

/// <summary>
/// `metacheck mute` and `metacheck unmute`: a local, timed "do not page for this" for deploys and
/// maintenance on one host, now or scheduled, for one store or (root) the whole host. Wrappers still
/// run and record muted checks; what they report follows a downtime (see WrapperRun.RecordAndReport).
/// </summary>
public static class MuteCommands
{
    private static readonly TimeSpan LongestMute = TimeSpan.FromDays(366);

    public static int Mute(string[] args)
    {
        var stateDir = StoreCommands.StateDirOption();
        var duration = Opt.Duration("--for", "How long: seconds, or 90s, 30m, 2h, 1d (this or --until is required).", LongestMute);
        var from = Opt.Text("--from", "When the mute starts (default: now): HH:MM today, or YYYY-MM-DD HH:MM; local time, or --tz.");
        var until = Opt.Text("--until", "When the mute ends, instead of --for: HH:MM today, or YYYY-MM-DD HH:MM.");
        var tz = Opt.Text("--tz", "IANA time zone of --from and --until (default: the process zone, as periodic-checker).");
        var reason = Opt.Text("--reason", "Why; shown in every muted report and by 'metacheck status'.");
        var definition = Cli.Define(Dialect.GetoptLongStrict, "mute",
            "Hold the checks' open alerts and report new failures as OK until the mute ends; they still run and are recorded.\n" +
            "Name checks by id prefix or part of their command (as in 'metacheck history'); none: every check of the store, new ones too.\n" +
            "Run by root without --state-dir (and without $METACHECK_STATE_DIR), it mutes the checks of every user on the host.\n" +
            "Example: metacheck mute --for 30m --reason 'deploy web'    metacheck mute 'check-tcp -H db1' --from 02:00 --until 04:00",
            stateDir, duration, from, until, tz, reason);
        var checks = CheckArgument();
        definition.Arguments.Add(checks);
        return Cli.Run(definition, args, parsed =>
        {
            var now = UtcClock.Instance.GetCurrentInstant();
            var zone = PeriodicChecker.Zone(parsed.GetValue(tz), WrapperEnvironment.System(), "mute");
            var (fromMs, untilMs) = Window(parsed.GetValue(from), parsed.GetValue(until), parsed.GetValue(duration), zone, now);
            var why = parsed.GetValue(reason) ?? "";
            var head = $"muted {When(fromMs, untilMs, zone, now)}{(why.Length > 0 ? $" ({why})" : "")}";
            var named = parsed.GetValue(checks) ?? [];
            if (HostWide(parsed.GetValue(stateDir)) is { } hostFile)
            {
                var texts = named.Length == 0 ? [""] : named;
                StoreCommands.Guarded(() =>
                {
                    foreach (var text in texts) HostMutes.Add(hostFile, new State.Mute(State.Mute.AllChecks, untilMs, why, fromMs, HostMatch: text), now.ToUnixTimeMilliseconds());
                    return 0;
                });
                foreach (var text in texts) Console.WriteLine(Printable($"{head}: {HostWhat(text)}"));
                return 0;
            }
            return WithStore(parsed.GetValue(stateDir), (store, dir) =>
            {
                var found = Named(store, dir, named);
                var keys = found is null ? [State.Mute.AllChecks] : found.Select(c => store.CheckKey(c.RowId) ?? "").Where(k => k.Length > 0).ToList();
                store.SetMutes(keys, fromMs, untilMs, why, now.ToUnixTimeMilliseconds());
                if (found is null) Console.WriteLine(Printable($"{head}: every check in {dir}"));
                else foreach (var c in found) Console.WriteLine(Printable($"{head}: {Describe(c)}"));
                return 0;
            });
        });
    }

    public static int Unmute(string[] args)
    {
        var stateDir = StoreCommands.StateDirOption();
        var definition = Cli.Define(Dialect.GetoptLongStrict, "unmute",
            "Lift the mutes (scheduled ones too) of the named checks, or every mute when none is named.\n" +
            "Run by root without --state-dir, it lifts host-wide mutes.\nExample: metacheck unmute    metacheck unmute check-tcp",
            stateDir);
        var checks = CheckArgument();
        definition.Arguments.Add(checks);
        return Cli.Run(definition, args, parsed =>
        {
            var now = UtcClock.Instance.GetCurrentInstant();
            long nowMs = now.ToUnixTimeMilliseconds();
            var named = parsed.GetValue(checks) ?? [];
            if (HostWide(parsed.GetValue(stateDir)) is { } hostFile)
            {
                var lifted = StoreCommands.Guarded(() => named.Length == 0
                    ? HostMutes.Remove(hostFile, null, nowMs)
                    : [.. named.SelectMany(text => HostMutes.Remove(hostFile, text, nowMs))]);
                if (lifted.Count == 0) Console.WriteLine("nothing was muted host-wide" + (named.Length > 0 ? " by these names" : ""));
                foreach (var m in lifted) Console.WriteLine(Printable($"unmuted: {HostWhat(m.HostMatch!)}"));
                return 0;
            }
            return WithStore(parsed.GetValue(stateDir), (store, dir) =>
            {
                var found = Named(store, dir, named);
                if (found is null)
                {
                    var all = store.ListChecks();
                    var lifted = store.ActiveMutes(nowMs);
                    store.RemoveMutes(null, nowMs);
                    if (lifted.Count == 0) Console.WriteLine("nothing was muted");
                    foreach (var m in lifted) Console.WriteLine(Printable($"unmuted: {What(m, all)}"));
                    return 0;
                }
                var keys = found.ToDictionary(c => c, c => store.CheckKey(c.RowId) ?? "");
                var removed = store.RemoveMutes(keys.Values, nowMs).Select(m => m.CheckKey).ToHashSet();
                foreach (var c in found) Console.WriteLine(Printable(removed.Contains(keys[c]) ? $"unmuted: {Describe(c)}" : $"was not muted by name: {Describe(c)}"));
                foreach (var m in store.ActiveMutes(nowMs).Where(m => m.CoversAll))
                    Console.WriteLine($"every check stays muted until {LocalTimes.Text(m.UntilMs, LocalTimes.ProcessZone, now)}; 'metacheck unmute' without a check lifts that");
                return 0;
            });
        });
    }

    /// <summary>
    /// The host-wide mutes file, when this `mute`/`unmute` is root's with no store named (a deploy
    /// script's): root's own checks are covered by host-wide mutes too. Null: the store's own mutes.
    /// </summary>
    private static string? HostWide(string? explicitDir) =>
        HostStores.RootWithoutStore(explicitDir, Environment.GetEnvironmentVariable) ? HostMutes.PathFrom(Environment.GetEnvironmentVariable) : null;

    private static string HostWhat(string match) => match.Length == 0
        ? "every check of every user on this host (host-wide)"
        : $"every check of every user named by '{match}' (host-wide)";

    /// <summary>--from/--until/--for as a [from, until) in epoch ms.</summary>
    private static (long From, long Until) Window(string? fromText, string? untilText, TimeSpan? span, DateTimeZone zone, Instant now)
    {
        if (span is not null && untilText is not null) throw new UsageException("give --for or --until, not both");
        if (span is null && untilText is null) throw new UsageException("--for is required: how long to mute, e.g. --for 30m (or --until TIME)");
        if (span is { } s && s <= TimeSpan.Zero) throw new UsageException("--for must be longer than 0 s");
        long nowMs = now.ToUnixTimeMilliseconds();
        long from = fromText is null ? nowMs : LocalTime("--from", fromText, zone, now);
        long until = span is { } d ? from + (long)d.TotalMilliseconds : LocalTime("--until", untilText!, zone, now);
        if (until <= nowMs) throw new UsageException($"the mute would end at {LocalTimes.Text(until, zone, now)}, which has passed");
        if (until <= from) throw new UsageException("--until must be after --from");
        if (until - Math.Max(from, nowMs) > (long)LongestMute.TotalMilliseconds) throw new UsageException($"a mute lasts at most {Opt.Limit(LongestMute)}");
        return (from, until);
    }

    /// <summary>`HH:MM` (today) or `YYYY-MM-DD HH:MM` (or with a T) in <paramref name="zone"/>; a time skipped by a clock change counts as just after it.</summary>
    private static long LocalTime(string option, string text, DateTimeZone zone, Instant now)
    {
        var trimmed = text.Trim();
        var time = NodaTime.Text.LocalTimePattern.CreateWithInvariantCulture("H:mm").Parse(trimmed);
        LocalDateTime local;
        if (time.Success) local = now.InZone(zone).Date + time.Value;
        else
        {
            var dated = NodaTime.Text.LocalDateTimePattern.CreateWithInvariantCulture("uuuu-MM-dd H:mm").Parse(trimmed.Replace('T', ' '));
            if (!dated.Success) throw new UsageException($"{option} takes HH:MM (today) or YYYY-MM-DD HH:MM, got '{Opt.Shorten(text)}'");
            local = dated.Value;
        }
        return local.InZoneLeniently(zone).ToInstant().ToUnixTimeMilliseconds();
    }

    /// <summary>`until 11:30`, or `from 02:00 until 04:00` for a mute that has not started.</summary>
    private static string When(long fromMs, long untilMs, DateTimeZone zone, Instant now) => fromMs > now.ToUnixTimeMilliseconds()
        ? $"from {LocalTimes.Text(fromMs, zone, now)} until {LocalTimes.Text(untilMs, zone, now)}"
        : $"until {LocalTimes.Text(untilMs, zone, now)}";

    /// <summary>For `metacheck status`: the mutes in force or scheduled, one line each, before the table.</summary>
    public static void PrintMutes(IReadOnlyList<Mute> mutes, IReadOnlyList<CheckSummary> checks, long nowMs)
    {
        if (mutes.Count == 0) return;
        var now = Instant.FromUnixTimeMilliseconds(nowMs);
        foreach (var m in mutes)
            Console.WriteLine(Printable($"muted {When(m.FromMs, m.UntilMs, LocalTimes.ProcessZone, now)}{(m.Reason.Length > 0 ? $" ({m.Reason})" : "")}: " +
                (m.IsHostWide ? HostWhat(m.HostMatch!) : What(m, checks))));
        Console.WriteLine();
    }

    /// <summary>The mute a wrapper would apply to this check now (its own or the store-wide one, whichever lasts longer).</summary>
    public static Mute? MuteOf(CheckSummary check, IReadOnlyList<Mute> mutes, long nowMs) =>
        mutes.Where(m => m.InForce(nowMs) && (m.IsHostWide ? m.Covers("", check.Id, check.Identifier, check.CommandLine) : m.CoversAll || m.CheckRowId == check.RowId))
            .MaxBy(m => m.UntilMs);

    private static Argument<string[]> CheckArgument() => new("check")
    {
        Arity = ArgumentArity.ZeroOrMore,
        Description = "Checks by id prefix or part of their command (quote a command with spaces).",
    };

    /// <summary>The checks the arguments name (each must name one at least), or null for "every check".</summary>
    private static List<CheckSummary>? Named(StateStore store, string dir, string[] texts)
    {
        if (texts.Length == 0) return null;
        var all = store.ListChecks();
        var named = new List<CheckSummary>();
        foreach (var text in texts)
            named.AddRange(StoreCommands.Find(all, text, dir).Where(m => !named.Contains(m)));
        return named;
    }

    private static string What(Mute m, IReadOnlyList<CheckSummary> checks) =>
        m.CoversAll ? "every check" : checks.FirstOrDefault(c => c.RowId == m.CheckRowId) is { } c ? Describe(c) : "a check no longer in the store";

    private static string Describe(CheckSummary c) => $"{StoreCommands.Short(c.Id)} {StoreCommands.Describe(c)}";

    /// <summary>
    /// Opens the store as a wrapper would (creating it if need be: a mute may come before the first
    /// run, and under MACKEREL_PLUGIN_WORKDIR it must be the per-user directory in the shared one);
    /// a store fault is one UNKNOWN line.
    /// </summary>
    private static int WithStore(string? explicitDir, Func<StateStore, string, int> use)
    {
        using var store = StoreCommands.OpenForWriting(explicitDir, out var dir, create: true)!;
        return StoreCommands.Guarded(() => use(store, dir));
    }
}

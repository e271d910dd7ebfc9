using System.CommandLine;
using MetaCheck.Core;
using MetaCheck.State;
using NodaTime;
using static MetaCheck.Core.Terminal;

namespace MetaCheck.Wrappers;

/// <summary>
/// `metacheck mute` and `metacheck unmute`: a local, timed "do not page for this" for deploys and
/// maintenance on one host. Wrappers still run and record muted checks; they report OK meanwhile.
/// </summary>
public static class MuteCommands
{
    private static readonly TimeSpan LongestMute = TimeSpan.FromDays(366);

    public static int Mute(string[] args)
    {
        var stateDir = StoreCommands.StateDirOption();
        var duration = Opt.Duration("--for", "How long (required): seconds, or 90s, 30m, 2h, 1d.", LongestMute);
        var reason = Opt.Text("--reason", "Why; shown in every muted report and by 'metacheck status'.");
        var definition = Cli.Define(Dialect.GetoptLongStrict, "mute",
            "Report the checks' failures as OK until --for has passed; they still run and are recorded.\n" +
            "Name checks by id prefix or part of their command (as in 'metacheck history'); none: every check of the store, new ones too.\n" +
            "Example: metacheck mute --for 30m --reason 'deploy web'    metacheck mute 'check-tcp -H db1' --for 2h",
            stateDir, duration, reason);
        var checks = CheckArgument();
        definition.Arguments.Add(checks);
        return Cli.Run(definition, args, parsed =>
        {
            var span = parsed.GetValue(duration) ?? throw new UsageException("--for is required: how long to mute, e.g. --for 30m");
            if (span <= TimeSpan.Zero) throw new UsageException("--for must be longer than 0 s");
            var now = UtcClock.Instance.GetCurrentInstant();
            long until = now.ToUnixTimeMilliseconds() + (long)span.TotalMilliseconds;
            var why = parsed.GetValue(reason) ?? "";
            return WithStore(parsed.GetValue(stateDir), (store, dir) =>
            {
                var named = Named(store, dir, parsed.GetValue(checks) ?? []);
                var keys = named is null ? [State.Mute.AllChecks] : named.Select(c => store.CheckKey(c.RowId) ?? "").Where(k => k.Length > 0).ToList();
                store.SetMutes(keys, until, why, now.ToUnixTimeMilliseconds());
                var head = $"muted until {LocalTimes.Text(until, LocalTimes.ProcessZone, now)}{(why.Length > 0 ? $" ({why})" : "")}";
                if (named is null) Console.WriteLine(Printable($"{head}: every check in {dir}"));
                else foreach (var c in named) Console.WriteLine(Printable($"{head}: {Describe(c)}"));
                return 0;
            });
        });
    }

    public static int Unmute(string[] args)
    {
        var stateDir = StoreCommands.StateDirOption();
        var definition = Cli.Define(Dialect.GetoptLongStrict, "unmute",
            "Lift the mutes of the named checks, or every mute when none is named.\nExample: metacheck unmute    metacheck unmute check-tcp",
            stateDir);
        var checks = CheckArgument();
        definition.Arguments.Add(checks);
        return Cli.Run(definition, args, parsed => WithStore(parsed.GetValue(stateDir), (store, dir) =>
        {
            var now = UtcClock.Instance.GetCurrentInstant();
            long nowMs = now.ToUnixTimeMilliseconds();
            var named = Named(store, dir, parsed.GetValue(checks) ?? []);
            if (named is null)
            {
                var all = store.ListChecks();
                var lifted = store.ActiveMutes(nowMs);
                store.RemoveMutes(null, nowMs);
                if (lifted.Count == 0) Console.WriteLine("nothing was muted");
                foreach (var m in lifted) Console.WriteLine(Printable($"unmuted: {What(m, all)}"));
                return 0;
            }
            var keys = named.ToDictionary(c => c, c => store.CheckKey(c.RowId) ?? "");
            var removed = store.RemoveMutes(keys.Values, nowMs).Select(m => m.CheckKey).ToHashSet();
            foreach (var c in named) Console.WriteLine(Printable(removed.Contains(keys[c]) ? $"unmuted: {Describe(c)}" : $"was not muted by name: {Describe(c)}"));
            foreach (var m in store.ActiveMutes(nowMs).Where(m => m.CoversAll))
                Console.WriteLine($"every check stays muted until {LocalTimes.Text(m.UntilMs, LocalTimes.ProcessZone, now)}; 'metacheck unmute' without a check lifts that");
            return 0;
        }));
    }

    /// <summary>For `metacheck status`: the mutes in force, one line each, before the table.</summary>
    public static void PrintMutes(IReadOnlyList<Mute> mutes, IReadOnlyList<CheckSummary> checks, long nowMs)
    {
        if (mutes.Count == 0) return;
        var now = Instant.FromUnixTimeMilliseconds(nowMs);
        foreach (var m in mutes)
            Console.WriteLine(Printable($"muted until {LocalTimes.Text(m.UntilMs, LocalTimes.ProcessZone, now)}{(m.Reason.Length > 0 ? $" ({m.Reason})" : "")}: {What(m, checks)}"));
        Console.WriteLine();
    }

    /// <summary>The mute a wrapper would apply to this check now (its own or the store-wide one, whichever lasts longer).</summary>
    public static Mute? MuteOf(CheckSummary check, IReadOnlyList<Mute> mutes) =>
        mutes.Where(m => m.CoversAll || m.CheckRowId == check.RowId).MaxBy(m => m.UntilMs);

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

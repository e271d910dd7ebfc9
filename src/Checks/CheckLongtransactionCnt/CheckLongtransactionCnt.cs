using System.CommandLine;
using System.Globalization;
using MetaCheck.Checks.Framework;
using MetaCheck.Checks.MySql;
using MetaCheck.Core;

namespace MetaCheck.Checks.CheckLongtransactionCnt;

/// <summary>One open InnoDB transaction: its age in the server's clock, and for -v who holds it.</summary>
public sealed record OpenTransaction(long AgeSeconds, string Thread = "", string State = "", string Who = "");

/// <summary>ryuichi1208's go-check-longtransaction-cnt: how many InnoDB transactions are open longer than a threshold.</summary>
public static class CheckLongtransactionCnt
{
    public const string Name = "check-longtransaction-cnt";
    public const string OldName = "go-check-longtransaction-cnt";

    /// <summary>
    /// Ages are computed by the server, against its own clock. trx_started is the server process's local
    /// time (its system time zone, whatever the session's time_zone), so NOW() must be read in that zone
    /// too. The original parsed trx_started as UTC on the client: on a server whose system zone is not
    /// UTC every age was off by the offset (JST: 9 h too small, nothing ever counted). The thread, state
    /// and, with <paramref name="accounts"/>, the account are for -v: the PROCESS privilege the count needs
    /// shows them all. The account comes from PROCESSLIST, which the server builds by visiting every
    /// connection: only -v asks for it, not the run an agent makes every minute.
    /// </summary>
    public static string TransactionsQuery(bool accounts) => "SET time_zone = 'SYSTEM'; " +
        "SELECT TIMESTAMPDIFF(SECOND, t.trx_started, NOW()), t.trx_mysql_thread_id, t.trx_state, " +
        (accounts
            ? "CONCAT(p.USER, '@', p.HOST) FROM information_schema.INNODB_TRX t LEFT JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id"
            : "'' FROM information_schema.INNODB_TRX t") +
        " ORDER BY t.trx_started";

    public static int Main(string[] args) => Main(args, PluginContext.System());

    public static int Main(string[] args, PluginContext context)
    {
        var mysql = new MySqlOptions("--user", ["-u"], ["-p"], timeoutAliases: ["-t"]);
        var database = Opt.Text("--db-name", "Database to connect to (default: INFORMATION_SCHEMA).");
        var warnCount = Opt.Threshold("--warn-count", "WARNING when at least this many transactions are long (0: never).",
            PlainNumber.Int(0, int.MaxValue), ThresholdRange.AtLeast);
        var critCount = Opt.Threshold("--crit-count", "CRITICAL when at least this many transactions are long (0: never).",
            PlainNumber.Int(0, int.MaxValue), ThresholdRange.AtLeast);
        var threshold = Opt.Duration("--threshold", "A transaction is long when open for more than this (default: 0).", TimeSpan.FromDays(365));
        var verbose = Opt.Verbose();
        var definition = Cli.Define(Dialect.GoFlags, Name,
            "Count InnoDB transactions open longer than --threshold. Example: check-longtransaction-cnt --threshold 60 --warn-count 1 --crit-count 5",
            [.. mysql.All, database, warnCount, critCount, threshold, verbose]);
        return Plugin.Check(definition, args, context, parsed =>
        {
            var server = mysql.Resolve(parsed, context.GetEnv) with { Database = parsed.GetValue(database) ?? "INFORMATION_SCHEMA" };
            bool details = parsed.GetValue(verbose) > 0;
            var open = MySqlClient.Query(context, server, TransactionsQuery(details)).Select(Transaction).ToList();
            var longer = (long)(parsed.GetValue(threshold) ?? TimeSpan.Zero).TotalSeconds;
            var result = Evaluate(open, longer, parsed.GetValue(warnCount), parsed.GetValue(critCount));
            return details ? result with { Details = Details(open, longer) } : result;
        });
    }

    /// <summary>
    /// A plain count alerts at or above it, 0 (the default) never: the original's rule and words. A
    /// range alerts where the guidelines say and the message names it. Measured: the long ones, all
    /// open ones, and the oldest's age.
    /// </summary>
    public static CheckResult Evaluate(IReadOnlyList<OpenTransaction> open, long threshold, ThresholdRange? warnCount, ThresholdRange? critCount)
    {
        ThresholdRange? warn = ThresholdRange.ZeroIsOff(warnCount), crit = ThresholdRange.ZeroIsOff(critCount);
        int count = open.Count(t => t.AgeSeconds > threshold);
        var (status, applied) = ThresholdRange.Grade(count, warn, crit);
        var result = applied is null ? CheckResult.Checkers(Status.Ok, "OK", "")
            : Alert(status, status == Status.Critical ? "[CRIT]" : "[WARN]", applied, count);
        return result with
        {
            Perfdata =
            [
                new PerfValue("long_transactions", count, "", warn, crit, 0),
                new PerfValue("transactions", open.Count, "", Min: 0),
                new PerfValue("oldest", open.Count == 0 ? 0 : Math.Max(0, open.Max(t => t.AgeSeconds)), "s", Min: 0),
            ],
        };
    }

    private static CheckResult Alert(Status status, string tag, ThresholdRange applied, int count) => CheckResult.Checkers(status,
        applied.Plain is null ? $"{tag} Number of long transactions {count} is {applied.Where}" : $"{tag} Number of long transactions exceeds threshold:{count}", "");

    /// <summary>-v: how many were long, then each long one, oldest first, with the thread to look at.</summary>
    public static IReadOnlyList<string> Details(IReadOnlyList<OpenTransaction> open, long threshold)
    {
        var longOnes = open.Where(t => t.AgeSeconds > threshold).OrderByDescending(t => t.AgeSeconds).ToList();
        return
        [
            $"{longOnes.Count} of {open.Count} open transactions have been open longer than {threshold} s",
            .. longOnes.Select(t => $"thread {t.Thread}{(t.Who is "" or "NULL" ? "" : $" ({t.Who})")}: open {t.AgeSeconds} s, {t.State}"),
        ];
    }

    private static OpenTransaction Transaction(string[] row) =>
        row.Length >= 4 && long.TryParse(row[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds)
            ? new OpenTransaction(seconds, row[1], row[2], row[3])
            : throw new DataSourceException($"unexpected transaction row from the server: '{Opt.Shorten(string.Join(' ', row))}'");
}

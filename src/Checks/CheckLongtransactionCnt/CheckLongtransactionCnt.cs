using System.CommandLine;
using System.Globalization;
using MetaCheck.Checks.Framework;
using MetaCheck.Checks.MySql;
using MetaCheck.Core;

namespace MetaCheck.Checks.CheckLongtransactionCnt;

/// <summary>ryuichi1208's go-check-longtransaction-cnt: how many InnoDB transactions are open longer than a threshold.</summary>
public static class CheckLongtransactionCnt
{
    public const string Name = "check-longtransaction-cnt";
    public const string OldName = "go-check-longtransaction-cnt";

    /// <summary>
    /// Ages are computed by the server, against its own clock. trx_started is the server process's local
    /// time (its system time zone, whatever the session's time_zone), so NOW() must be read in that zone
    /// too. The original parsed trx_started as UTC on the client: on a server whose system zone is not
    /// UTC every age was off by the offset (JST: 9 h too small, nothing ever counted).
    /// </summary>
    public const string AgesQuery = "SET time_zone = 'SYSTEM'; SELECT TIMESTAMPDIFF(SECOND, trx_started, NOW()) FROM information_schema.INNODB_TRX";

    public static int Main(string[] args) => Main(args, PluginContext.System());

    public static int Main(string[] args, PluginContext context)
    {
        var mysql = new MySqlOptions("--user", ["-u"], ["-p"]);
        var database = Opt.Text("--db-name", "Database to connect to (default: INFORMATION_SCHEMA).");
        var warnCount = Opt.Int("--warn-count", "WARNING when at least this many transactions are long (0: never).", 0, 0, int.MaxValue);
        var critCount = Opt.Int("--crit-count", "CRITICAL when at least this many transactions are long (0: never).", 0, 0, int.MaxValue);
        var threshold = Opt.Duration("--threshold", "A transaction is long when open for more than this (default: 0).", TimeSpan.FromDays(365));
        var definition = Cli.Define(Dialect.GoFlags, Name,
            "Count InnoDB transactions open longer than --threshold. Example: check-longtransaction-cnt --threshold 60 --warn-count 1 --crit-count 5",
            [.. mysql.All, database, warnCount, critCount, threshold]);
        return Plugin.Check(definition, args, context, parsed =>
        {
            var server = mysql.Resolve(parsed, context.GetEnv) with { Database = parsed.GetValue(database) ?? "INFORMATION_SCHEMA" };
            var ages = MySqlClient.Query(context, server, AgesQuery).Select(row => Age(row[0])).ToList();
            var longer = (long)(parsed.GetValue(threshold) ?? TimeSpan.Zero).TotalSeconds;
            return Evaluate(ages.Count(age => age > longer), parsed.GetValue(warnCount), parsed.GetValue(critCount));
        });
    }

    public static CheckResult Evaluate(int count, int warnCount, int critCount)
    {
        if (critCount > 0 && count >= critCount)
            return CheckResult.Checkers(Status.Critical, $"[CRIT] Number of long transactions exceeds threshold:{count}", "");
        if (warnCount > 0 && count >= warnCount)
            return CheckResult.Checkers(Status.Warning, $"[WARN] Number of long transactions exceeds threshold:{count}", "");
        return CheckResult.Checkers(Status.Ok, "OK", "");
    }

    private static long Age(string field) =>
        long.TryParse(field, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds) ? seconds
        : throw new DataSourceException($"unexpected transaction age from the server: '{Opt.Shorten(field)}'");
}

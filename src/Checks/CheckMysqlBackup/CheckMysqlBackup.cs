using System.CommandLine;
using System.Globalization;
using MetaCheck.Checks.Framework;
using MetaCheck.Checks.MySql;
using MetaCheck.Core;
using MetaCheck.State;

namespace MetaCheck.Checks.CheckMysqlBackup;

/// <summary>The newest backup found: what to call it in the message, its age, and its size when known.</summary>
public sealed record Backup(string What, long AgeSeconds, long? Size);

/// <summary>
/// check-mysql-backup (ryuichi1208's source is not public; designed here, see docs/check-mysql-backup.md):
/// is the newest MySQL backup recent enough and not empty? The backup is found either as the newest file
/// or directory in a backup directory (mysqldump, mariabackup --target-dir) or as the newest row of the
/// history table mariabackup/xtrabackup `--history` writes.
/// </summary>
public static class CheckMysqlBackup
{
    public const string Name = "check-mysql-backup";

    public static int Main(string[] args) => Main(args, PluginContext.System());

    public static int Main(string[] args, PluginContext context)
    {
        var dir = Opt.Text("--dir", "Directory the backups are written to; the newest entry matching --pattern is checked.");
        var pattern = Opt.Text("--pattern", "File name pattern with * and ? (default: *), e.g. '*.sql.gz'.");
        var table = Opt.Text("--history-table", "Instead of --dir: the history table of mariabackup/xtrabackup --history, e.g. mysql.mariadb_backup_history.");
        var warning = Opt.Duration("--warning", "WARNING when the newest backup is older than this (default: 26h).", TimeSpan.FromDays(3650), "-w");
        var critical = Opt.Duration("--critical", "CRITICAL when the newest backup is older than this (default: 50h).", TimeSpan.FromDays(3650), "-c");
        var minSize = new Option<long>("--min-size")
        {
            Description = "CRITICAL when the newest backup is smaller (bytes, or with k/M/G; 1 makes an empty file CRITICAL). --dir only.",
            DefaultValueFactory = _ => 1,
            CustomParser = r => ParseSize(r.Tokens.Count > 0 ? r.Tokens[0].Value : "", r.AddError),
        };
        var mysql = new MySqlOptions("--user", ["-u"], ["-p"]);
        var definition = Cli.Define(Dialect.GoFlags, Name,
            "Alert when the newest MySQL backup is too old or empty. Example: check-mysql-backup --dir /var/backups/mysql --pattern '*.sql.gz' -w 26h -c 50h",
            [dir, pattern, table, warning, critical, minSize, .. mysql.All]);
        return Plugin.Check(definition, args, context, parsed =>
        {
            var limits = new Limits(parsed.GetValue(warning) ?? TimeSpan.FromHours(26), parsed.GetValue(critical) ?? TimeSpan.FromHours(50),
                parsed.GetValue(minSize));
            var glob = parsed.GetValue(pattern) ?? "*";
            return (parsed.GetValue(dir), parsed.GetValue(table)) switch
            {
                ({ } directory, null) => Evaluate(NewestEntry(directory, glob, context.Clock.GetCurrentInstant().ToDateTimeUtc()),
                    $"nothing matching '{glob}' in {directory}", limits),
                (null, { } history) => Evaluate(NewestRecord(context, mysql.Resolve(parsed, context.GetEnv), history),
                    $"no backup recorded in {history}", limits),
                _ => throw new UsageException("give exactly one of --dir (backup files) and --history-table (mariabackup/xtrabackup --history)"),
            };
        });
    }

    public sealed record Limits(TimeSpan Warning, TimeSpan Critical, long MinSize);

    public static CheckResult Evaluate(Backup? newest, string nothingFound, Limits limits)
    {
        if (newest is null) return Result(Status.Critical, $"no backup found: {nothingFound}");
        var age = Age(newest.AgeSeconds);
        if (newest.Size is { } size && size < limits.MinSize)
            return Result(Status.Critical, $"newest backup {newest.What} is {size} bytes, less than --min-size {limits.MinSize}");
        if (newest.AgeSeconds > limits.Critical.TotalSeconds)
            return Result(Status.Critical, $"newest backup {newest.What} is {age} old (critical above {Age((long)limits.Critical.TotalSeconds)})");
        if (newest.AgeSeconds > limits.Warning.TotalSeconds)
            return Result(Status.Warning, $"newest backup {newest.What} is {age} old (warning above {Age((long)limits.Warning.TotalSeconds)})");
        return Result(Status.Ok, $"newest backup {newest.What} is {age} old" + (newest.Size is { } s ? $", {s} bytes" : ""));
    }

    private static CheckResult Result(Status status, string message) => CheckResult.Checkers(status, message, "");

    /// <summary>The newest file or directory (by modification time) matching the pattern; a directory's size is its files' total.</summary>
    public static Backup? NewestEntry(string directory, string pattern, DateTime nowUtc)
    {
        FileSystemInfo? newest;
        try
        {
            newest = new DirectoryInfo(directory)
                .EnumerateFileSystemInfos(pattern, new EnumerationOptions { MatchType = MatchType.Simple, IgnoreInaccessible = false })
                .MaxBy(e => e.LastWriteTimeUtc);
        }
        catch (DirectoryNotFoundException)
        {
            throw new DataSourceException($"cannot read the backup directory {directory}: no such directory");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataSourceException($"cannot read the backup directory {directory}: {IoError.Reason(e)}");
        }
        if (newest is null) return null;
        var age = (long)Math.Max(0, (nowUtc - newest.LastWriteTimeUtc).TotalSeconds); // a clock ahead of the file server is not a negative age
        return new Backup(newest.FullName, age, SizeOf(newest));
    }

    private static long SizeOf(FileSystemInfo entry)
    {
        if (entry is FileInfo file) return file.Length;
        try
        {
            return ((DirectoryInfo)entry).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }).Sum(f => f.Length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataSourceException($"cannot read the backup {entry.FullName}: {IoError.Reason(e)}");
        }
    }

    /// <summary>The newest row of the history table; its age is computed by the server, in the server's clock.</summary>
    public static Backup? NewestRecord(PluginContext context, MySqlServer server, string table)
    {
        if (!IsTableName(table))
            throw new UsageException($"--history-table takes [schema.]table (letters, digits, _ and $), got '{Opt.Shorten(table)}'");
        var rows = MySqlClient.Query(context, server,
            $"SELECT name, end_time, TIMESTAMPDIFF(SECOND, end_time, NOW()) FROM {table} ORDER BY end_time DESC LIMIT 1");
        if (rows.Count == 0) return null;
        var row = rows[0];
        if (row.Length < 3 || !long.TryParse(row[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var age))
            throw new DataSourceException($"unexpected row from {table}: '{Opt.Shorten(string.Join(' ', row))}' (expected name, end_time, age)");
        var name = row[0] is "NULL" or "" ? "" : $"'{row[0]}' ";
        return new Backup($"{name}({table}, ended {row[1]})", Math.Max(0, age), null);
    }

    /// <summary>`3d4h`, `5h12m`, `7m30s`, `45s`: two units are plenty to read an age.</summary>
    public static string Age(long seconds)
    {
        var span = TimeSpan.FromSeconds(seconds);
        return span.TotalDays >= 1 ? $"{(int)span.TotalDays}d{span.Hours}h"
            : span.TotalHours >= 1 ? $"{span.Hours}h{span.Minutes}m"
            : span.TotalMinutes >= 1 ? $"{span.Minutes}m{span.Seconds}s"
            : $"{span.Seconds}s";
    }

    public static long ParseSize(string text, Action<string> error)
    {
        var trimmed = text.Trim();
        long unit = trimmed.Length == 0 ? 1 : char.ToUpperInvariant(trimmed[^1]) switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, 'T' => 1L << 40, _ => 1 };
        var number = unit == 1 ? trimmed : trimmed[..^1];
        if (long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value <= long.MaxValue / unit)
            return value * unit;
        error($"--min-size takes bytes (1048576) or a size with k, M, G or T (1M), got '{Opt.Shorten(text)}'");
        return 0;
    }

    /// <summary>`[schema.]table` of plain identifier characters: the name is pasted into SQL.</summary>
    private static bool IsTableName(string name)
    {
        var parts = name.Split('.');
        return parts.Length <= 2 && parts.All(p => p.Length > 0 && p.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '$'));
    }
}

using System.CommandLine;
using System.Globalization;
using MetaCheck.Checks.Framework;
using MetaCheck.Checks.MySql;
using MetaCheck.Core;
using MetaCheck.State;

namespace MetaCheck.Checks.CheckMysqlBackup;

/// <summary>The newest backup found: what to call it in the message, its age, its size when known, and for -v how it was found.</summary>
public sealed record Backup(string What, long AgeSeconds, long? Size, string? Found = null);

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
        var maxAge = PlainNumber.Seconds(TimeSpan.FromDays(3650));
        var warning = Opt.Threshold("--warning", "WARNING when the newest backup is older than this (default: 26h).", maxAge, ThresholdRange.Above, 26 * 3600, "-w");
        var critical = Opt.Threshold("--critical", "CRITICAL when the newest backup is older than this (default: 50h).", maxAge, ThresholdRange.Above, 50 * 3600, "-c");
        var minSize = Opt.Threshold("--min-size", "CRITICAL when the newest backup is smaller (bytes, or with k/M/G; 1 makes an empty file CRITICAL). --dir only.",
            Size, ThresholdRange.Below, 1);
        var verbose = Opt.Verbose();
        var mysql = new MySqlOptions("--user", ["-u"], ["-p"], timeoutAliases: ["-t"]);
        var definition = Cli.Define(Dialect.GoFlags, Name,
            "Alert when the newest MySQL backup is too old or empty. Example: check-mysql-backup --dir /var/backups/mysql --pattern '*.sql.gz' -w 26h -c 50h",
            [dir, pattern, table, warning, critical, minSize, verbose, .. mysql.All]);
        return Plugin.Check(definition, args, context, parsed =>
        {
            var limits = new Limits(parsed.GetValue(warning)!, parsed.GetValue(critical)!, parsed.GetValue(minSize)!);
            var glob = parsed.GetValue(pattern) ?? "*";
            var (newest, nothingFound) = (parsed.GetValue(dir), parsed.GetValue(table)) switch
            {
                ({ } directory, null) => (NewestEntry(directory, glob, context.Clock.GetCurrentInstant().ToDateTimeUtc()), $"nothing matching '{glob}' in {directory}"),
                (null, { } history) => (NewestRecord(context, mysql.Resolve(parsed, context.GetEnv), history), $"no backup recorded in {history}"),
                _ => throw new UsageException("give exactly one of --dir (backup files) and --history-table (mariabackup/xtrabackup --history)"),
            };
            var result = Evaluate(newest, nothingFound, limits);
            return parsed.GetValue(verbose) == 0 || newest is null ? result : result with { Details = Details(newest, limits) };
        });
    }

    /// <summary>The thresholds applied: ages in seconds (a plain value alerts above it), sizes in bytes (a plain value alerts below it).</summary>
    public sealed record Limits(ThresholdRange Warning, ThresholdRange Critical, ThresholdRange MinSize);

    /// <summary>
    /// Plain thresholds keep the designed words; a range alerts where the guidelines say and the message
    /// names it. Measured: the newest backup's age, and its size when it is a file or directory.
    /// </summary>
    public static CheckResult Evaluate(Backup? newest, string nothingFound, Limits limits)
    {
        if (newest is null) return Result(Status.Critical, $"no backup found: {nothingFound}");
        var age = Age(newest.AgeSeconds);
        var (status, applied) = ThresholdRange.Grade(newest.AgeSeconds, limits.Warning, limits.Critical);
        var result = newest.Size is { } size && limits.MinSize.Alerts(size)
                ? Result(Status.Critical, $"newest backup {newest.What} is {size} bytes, " +
                    (limits.MinSize.Plain is { } min ? $"less than --min-size {ThresholdRange.Number(min)}" : $"size {limits.MinSize.Where}"))
            : applied is not null
                ? Result(status, $"newest backup {newest.What} is {age} old ({TooOld(status == Status.Critical ? "critical" : "warning", applied, newest)})")
            : Result(Status.Ok, $"newest backup {newest.What} is {age} old" + (newest.Size is { } s ? $", {s} bytes" : ""));
        PerfValue ageValue = new("age", newest.AgeSeconds, "s", limits.Warning, limits.Critical, 0);
        return result with
        {
            Perfdata = newest.Size is { } bytes ? [ageValue, new PerfValue("size", bytes, "B", null, limits.MinSize, 0)] : [ageValue],
        };
    }

    private static string TooOld(string level, ThresholdRange applied, Backup newest) => applied.Plain is { } plain
        ? $"{level} above {Age((long)plain)}"
        : $"{level}: {newest.AgeSeconds} s is {applied.Where}";

    /// <summary>-v: how the newest backup was found, then what was compared.</summary>
    public static IReadOnlyList<string> Details(Backup newest, Limits limits)
    {
        var compared = $"age {newest.AgeSeconds} s: warning {limits.Warning}, critical {limits.Critical}" +
            (newest.Size is { } size ? $"; size {size} B: critical {limits.MinSize}" : "");
        return newest.Found is { } found ? [found, compared] : [compared];
    }

    private static CheckResult Result(Status status, string message) => CheckResult.Checkers(status, message, "");

    /// <summary>The newest file or directory (by modification time) matching the pattern; a directory's size is its files' total.</summary>
    public static Backup? NewestEntry(string directory, string pattern, DateTime nowUtc)
    {
        List<FileSystemInfo> entries;
        try
        {
            entries = [.. new DirectoryInfo(directory)
                .EnumerateFileSystemInfos(pattern, new EnumerationOptions { MatchType = MatchType.Simple, IgnoreInaccessible = false })];
        }
        catch (DirectoryNotFoundException)
        {
            throw new DataSourceException($"cannot read the backup directory {directory}: no such directory");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataSourceException($"cannot read the backup directory {directory}: {IoError.Reason(e)}");
        }
        if (entries.MaxBy(e => e.LastWriteTimeUtc) is not { } newest) return null;
        var age = (long)Math.Max(0, (nowUtc - newest.LastWriteTimeUtc).TotalSeconds); // a clock ahead of the file server is not a negative age
        return new Backup(newest.FullName, age, SizeOf(newest),
            $"the newest of {entries.Count} {(entries.Count == 1 ? "entry" : "entries")} matching '{pattern}' in {directory}, modified {DetailText.Utc(newest.LastWriteTimeUtc)}");
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
        return new Backup($"{name}({table}, ended {row[1]})", Math.Max(0, age), null, $"the row of {table} with the latest end_time; its age computed by the server");
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

    /// <summary>A plain --min-size as it always was read: bytes, or with a binary k/M/G/T.</summary>
    private static readonly PlainNumber Size = new("bytes (1048576) or a size with k, M, G or T (1M)", text =>
    {
        bool bad = false;
        var bytes = ParseSize(text, _ => bad = true);
        return bad ? null : bytes;
    });

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

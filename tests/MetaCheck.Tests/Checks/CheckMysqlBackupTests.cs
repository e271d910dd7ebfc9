using MetaCheck.Tests.Support;

namespace MetaCheck.Tests.Checks;

/// <summary>check-mysql-backup on real backups of a real MariaDB: mysqldump files, mariabackup directories and its history table.</summary>
[Collection(MariaDbCollection.Name)]
public sealed class CheckMysqlBackupTests(MariaDb db) : IDisposable
{
    private const string Check = "check-mysql-backup";
    private readonly Sandbox _box = db.MonitorSandbox();

    public void Dispose() => _box.Dispose();

    private string Backups => Directory.CreateDirectory(_box.PathOf("backups")).FullName;

    private string DumpAged(string name, TimeSpan age)
    {
        var file = Path.Combine(Backups, name);
        db.Dump(file);
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow - age);
        return file;
    }

    [Fact]
    public void A_fresh_mysqldump_is_OK_and_an_old_one_WARNING_then_CRITICAL()
    {
        DumpAged("all-2026-11-20.sql", TimeSpan.FromHours(60));
        var file = DumpAged("all-2026-11-22.sql", TimeSpan.FromHours(3));
        File.WriteAllText(Path.Combine(Backups, ".all-2026-11-23.sql"), "-- a dump still being written under a hidden name");
        var size = new FileInfo(file).Length;
        size.Should().BeGreaterThan(1000, "a real dump of the server");

        var ok = _box.Run(Check, "--dir", Backups, "--pattern", "*.sql");
        (ok.Exit, ok.Stdout).Should().Be((0, $" OK: newest backup {file} is 3h0m old, {size} bytes\n"), ok.ToString());

        File.SetLastWriteTimeUtc(file, DateTime.UtcNow - TimeSpan.FromHours(27));
        var warn = _box.Run(Check, "--dir", Backups, "--pattern", "*.sql");
        (warn.Exit, warn.Stdout).Should().Be((1, $" WARNING: newest backup {file} is 1d3h old (warning above 1d2h)\n"));

        var crit = _box.Run(Check, "--dir", Backups, "--pattern", "*.sql", "-w", "12h", "-c", "1d");
        (crit.Exit, crit.Stdout).Should().Be((2, $" CRITICAL: newest backup {file} is 1d3h old (critical above 1d0h)\n"));
    }

    [Fact]
    public void An_empty_or_too_small_newest_backup_is_CRITICAL()
    {
        DumpAged("all-1.sql", TimeSpan.FromHours(5));
        var empty = Path.Combine(Backups, "all-2.sql");
        File.WriteAllText(empty, ""); // mysqldump died before writing anything

        var r = _box.Run(Check, "--dir", Backups);
        (r.Exit, r.Stdout).Should().Be((2, $" CRITICAL: newest backup {empty} is 0 bytes, less than --min-size 1\n"));
        File.Delete(empty);
        var small = _box.Run(Check, "--dir", Backups, "--min-size", "1G");
        small.Exit.Should().Be(2);
        small.Stdout.Should().Contain("less than --min-size 1073741824");
    }

    [Fact]
    public void A_mariabackup_target_directory_counts_with_the_size_of_its_files()
    {
        var target = Path.Combine(Backups, "full-2026-11-22");
        db.Backup(target, "dir-test");
        var size = Directory.EnumerateFiles(target, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);

        var r = _box.Run(Check, "--dir", Backups, "--pattern", "full-*", "--min-size", "1M");
        (r.Exit, r.Stdout).Should().Be((0, $" OK: newest backup {target} is 0s old, {size} bytes\n"), r.ToString());
    }

    [Fact]
    public void No_matching_backup_is_CRITICAL_and_a_missing_directory_UNKNOWN()
    {
        File.WriteAllText(Path.Combine(Backups, "notes.txt"), "not a backup");
        var none = _box.Run(Check, "--dir", Backups, "--pattern", "*.sql.gz");
        (none.Exit, none.Stdout).Should().Be((2, $" CRITICAL: no backup found: nothing matching '*.sql.gz' in {Backups}\n"));

        var missing = _box.PathOf("nowhere");
        var r = _box.Run(Check, "--dir", missing);
        (r.Exit, r.Stdout).Should().Be((3, $"UNKNOWN: {Check}: cannot read the backup directory {missing}: no such directory\n"));
    }

    [Fact]
    public void The_history_table_of_a_real_mariabackup_is_read_in_the_servers_clock()
    {
        db.RootSql("DROP TABLE IF EXISTS mysql.mariadb_backup_history");
        var absent = _box.Run(Check, [.. db.Tcp(), "--history-table", "mysql.mariadb_backup_history"]);
        (absent.Exit, absent.Lines.Length).Should().Be((3, 1), absent.ToString());
        absent.Stdout.Should().Contain("ERROR 1146").And.Contain("mariadb_backup_history");

        db.Backup(_box.PathOf("nightly"), "nightly");
        var ok = _box.Run(Check, [.. db.Tcp(), "--history-table", "mysql.mariadb_backup_history"]);
        ok.Exit.Should().Be(0, ok.ToString());
        ok.Stdout.Should().MatchRegex(@"^ OK: newest backup 'nightly' \(mysql\.mariadb_backup_history, ended \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\) is [0-9]s old\n$");

        // The server's sessions run in UTC-5 and the process in JST: the age must still be 27 h.
        db.RootSql("UPDATE mysql.mariadb_backup_history SET end_time = NOW() - INTERVAL 27 HOUR");
        var warn = _box.Run(Check, [.. db.Tcp(), "--history-table", "mysql.mariadb_backup_history"]);
        warn.Exit.Should().Be(1, warn.ToString());
        warn.Stdout.Should().EndWith(" is 1d3h old (warning above 1d2h)\n");

        db.RootSql("DELETE FROM mysql.mariadb_backup_history");
        var empty = _box.Run(Check, [.. db.Tcp(), "--history-table", "mysql.mariadb_backup_history"]);
        (empty.Exit, empty.Stdout).Should().Be((2, " CRITICAL: no backup found: no backup recorded in mysql.mariadb_backup_history\n"));
    }

    [Theory]
    [InlineData(new[] { "-w", "1h" }, "give exactly one of --dir (backup files) and --history-table (mariabackup/xtrabackup --history)")]
    [InlineData(new[] { "--dir", "/tmp", "--history-table", "mysql.x" }, "give exactly one of --dir (backup files) and --history-table (mariabackup/xtrabackup --history)")]
    [InlineData(new[] { "--history-table", "x; DROP TABLE y" }, "--history-table takes [schema.]table (letters, digits, _ and $), got 'x; DROP TABLE y'")]
    [InlineData(new[] { "--dir", "/tmp", "--min-size", "big" }, "--min-size takes bytes (1048576) or a size with k, M, G or T (1M), got 'big'")]
    public void Usage_errors_are_one_UNKNOWN_line(string[] args, string message)
    {
        var r = _box.Run(Check, args);
        (r.Exit, r.Stdout).Should().Be((3, $"UNKNOWN: {Check}: {message} (see {Check} --help)\n"));
    }

    [Fact]
    public void Works_as_an_inner_command_of_delay_checker()
    {
        string[] args = ["-c", "2", "--", Check, "--dir", Backups];
        _box.Run("delay-checker", args).Stdout.Should().StartWith("DelayWarn(1/2):  CRITICAL: no backup found");
        var alert = _box.Run("delay-checker", args);
        alert.Exit.Should().Be(2);
        alert.Stdout.Should().Be($"DelayNG(2/2):  CRITICAL: no backup found: nothing matching '*' in {Backups}\n");
    }
}

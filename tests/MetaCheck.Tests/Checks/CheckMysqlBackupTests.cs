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
    [InlineData(new[] { "--dir", "/tmp", "--min-size", "big" }, "--min-size takes bytes (1048576) or a size with k, M, G or T (1M) or a range (10:, ~:10, 10:20, @10:20), got 'big'")]
    public void Usage_errors_are_one_UNKNOWN_line(string[] args, string message)
    {
        var r = _box.Run(Check, args);
        (r.Exit, r.Stdout).Should().Be((3, $"UNKNOWN: {Check}: {message} (see {Check} --help)\n"));
    }

    /// <summary>A 1000-byte backup written 3 h ago: its age in a message is 10800 s, or a little more on a slow machine.</summary>
    private string ThreeHoursOld(string name = "all.sql")
    {
        var file = Path.Combine(Backups, name);
        File.WriteAllText(file, new string('x', 1000));
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow - TimeSpan.FromHours(3));
        return file;
    }

    private const string AgeNow = @"108\d\d";

    [Theory]
    [InlineData("-w", "2h", 1, " WARNING: newest backup FILE is 3h0m old (warning above 2h0m)")] // plain: older than, the designed words
    [InlineData("-w", "~:3600", 1, " WARNING: newest backup FILE is 3h0m old (warning: AGE s is outside ~:3600)")]
    [InlineData("-w", "20000:", 1, " WARNING: newest backup FILE is 3h0m old (warning: AGE s is outside 20000:)")]
    [InlineData("-c", "@10000:11000", 2, " CRITICAL: newest backup FILE is 3h0m old (critical: AGE s is within 10000:11000)")]
    [InlineData("-c", "0:20000", 0, " OK: newest backup FILE is 3h0m old, 1000 bytes")]
    [InlineData("--min-size", "2000:", 2, " CRITICAL: newest backup FILE is 1000 bytes, size outside 2000:")]
    [InlineData("--min-size", "~:500", 2, " CRITICAL: newest backup FILE is 1000 bytes, size outside ~:500")] // too big
    [InlineData("--min-size", "@0:999", 0, " OK: newest backup FILE is 3h0m old, 1000 bytes")]
    [InlineData("--min-size", "1k", 2, " CRITICAL: newest backup FILE is 1000 bytes, less than --min-size 1024")]
    public void Thresholds_take_ranges_in_seconds_and_bytes(string option, string value, int exit, string text)
    {
        var file = ThreeHoursOld();
        var r = _box.Run(Check, "--dir", Backups, option, value);
        r.Exit.Should().Be(exit, r.ToString());
        r.Stdout.Should().MatchRegex("^" + System.Text.RegularExpressions.Regex.Escape(text.Replace("FILE", file)).Replace("AGE", AgeNow) + "\n$");
    }

    [Fact]
    public void Perfdata_gives_the_age_in_seconds_and_the_size_in_bytes_with_the_applied_thresholds()
    {
        var file = ThreeHoursOld();
        var r = _box.Run(Check, "--dir", Backups, "--perfdata");
        r.Exit.Should().Be(0, r.ToString());
        r.Stdout.Should().MatchRegex($"^ OK: newest backup {file} is 3h0m old, 1000 bytes \\| age={AgeNow}s;~:93600;~:180000;0 size=1000B;;1:;0\n$");

        db.Backup(_box.PathOf("nightly"), "nightly");
        _box.Env["METACHECK_PERFDATA"] = "1";
        r = _box.Run(Check, [.. db.Tcp(), "--history-table", "mysql.mariadb_backup_history", "-w", "1h", "-c", "@0:1"]);
        r.Stdout.Should().MatchRegex(@"^ (OK|CRITICAL): newest backup 'nightly' .* \| age=\d+s;~:3600;@0:1;0\n$", "a history row has no size");
    }

    [Fact]
    public void Verbose_says_how_the_newest_backup_was_found_and_what_was_compared()
    {
        ThreeHoursOld("all-1.sql");
        File.SetLastWriteTimeUtc(ThreeHoursOld("all-0.sql"), DateTime.UtcNow - TimeSpan.FromDays(1));
        var r = _box.Run(Check, "--dir", Backups, "--pattern", "all-*", "-v");
        r.Exit.Should().Be(0, r.ToString());
        r.Lines.Skip(1).Should().HaveCount(2);
        r.Lines[1].Should().MatchRegex($@"^the newest of 2 entries matching 'all-\*' in {System.Text.RegularExpressions.Regex.Escape(Backups)}, modified \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d UTC$");
        r.Lines[2].Should().MatchRegex($"^age {AgeNow} s: warning ~:93600, critical ~:180000; size 1000 B: critical 1:$");
    }

    [Fact]
    public void Dash_t_is_the_timeout()
    {
        var r = _box.Run(Check, "--dir", Backups, "-t", "2h");
        (r.Exit, r.Stdout).Should().Be((3,
            $"UNKNOWN: {Check}: --timeout takes seconds (300, 2.5) or a duration (90s, 5m, 1h, 1d) up to 60 min, got '2h' (see {Check} --help)\n"));
        db.Backup(_box.PathOf("nightly"), "nightly");
        var ok = _box.Run(Check, [.. db.Tcp(), "--history-table", "mysql.mariadb_backup_history", "-t", "5"]);
        ok.Exit.Should().Be(0, ok.ToString());
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

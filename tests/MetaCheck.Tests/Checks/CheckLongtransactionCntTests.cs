using MetaCheck.Tests.Support;

namespace MetaCheck.Tests.Checks;

/// <summary>check-longtransaction-cnt against a real MariaDB, with transactions held open by a second client.</summary>
[Collection(MariaDbCollection.Name)]
public sealed class CheckLongtransactionCntTests(MariaDb db) : IDisposable
{
    private readonly Sandbox _box = db.MonitorSandbox();

    public void Dispose() => _box.Dispose();

    private CmdResult Check(params string[] args) => _box.Run("check-longtransaction-cnt", [.. db.Tcp(), .. args]);

    [Fact]
    public void No_open_transaction_is_OK()
    {
        var r = Check("--warn-count", "1", "--crit-count", "1");
        (r.Exit, r.Stdout).Should().Be((0, " OK: OK\n"), r.ToString());
    }

    [Fact]
    public void Transactions_older_than_the_threshold_are_counted_in_the_servers_own_clock()
    {
        // The server runs in JST and its sessions in UTC-5: reading trx_started as UTC (the original)
        // or against the session's NOW() would put these transactions hours in the future or past.
        using var a = db.OpenTransaction();
        using var b = db.OpenTransaction();
        using var c = db.OpenTransaction();
        Thread.Sleep(2100);

        var warn = Check("--threshold", "1", "--warn-count", "2", "--crit-count", "4");
        (warn.Exit, warn.Stdout).Should().Be((1, " WARNING: [WARN] Number of long transactions exceeds threshold:3\n"), warn.ToString());
        var crit = Check("--threshold", "1", "--warn-count", "2", "--crit-count", "3");
        (crit.Exit, crit.Stdout).Should().Be((2, " CRITICAL: [CRIT] Number of long transactions exceeds threshold:3\n"), crit.ToString());
        var young = Check("--threshold", "1h", "--warn-count", "1", "--crit-count", "1");
        (young.Exit, young.Stdout).Should().Be((0, " OK: OK\n"), "none is an hour old");
        var disabled = Check("--threshold", "1");
        (disabled.Exit, disabled.Stdout).Should().Be((0, " OK: OK\n"), "counts of 0 disable both alerts");
    }

    [Fact]
    public void Fix_db_name_other_than_information_schema_still_counts()
    {
        // The original's unqualified INNODB_TRX only existed when --db-name was INFORMATION_SCHEMA.
        using var open = db.OpenTransaction();
        Thread.Sleep(1100);
        var r = Check("--db-name", "mysql", "--threshold", "0", "--warn-count", "1");
        (r.Exit, r.Stdout).Should().Be((1, " WARNING: [WARN] Number of long transactions exceeds threshold:1\n"), r.ToString());
    }

    [Fact]
    public void Works_over_the_socket_and_with_a_defaults_file_instead_of_the_environment()
    {
        var cnf = _box.PathOf("monitor.cnf");
        File.WriteAllText(cnf, $"[client]\nuser={MariaDb.MonitorUser}\npassword={db.MonitorPassword}\nsocket={db.Socket}\n");
        File.SetUnixFileMode(cnf, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        _box.Env["MYSQL_PASSWORD"] = null;
        using var open = db.OpenTransaction();
        Thread.Sleep(1100);

        var viaFile = _box.Run("check-longtransaction-cnt", "--defaults-file", cnf, "--warn-count", "1");
        (viaFile.Exit, viaFile.Stdout).Should().Be((1, " WARNING: [WARN] Number of long transactions exceeds threshold:1\n"), viaFile.ToString());
        var viaSocket = _box.Run("check-longtransaction-cnt", "--socket", db.Socket, "-u", MariaDb.MonitorUser, "--warn-count", "1",
            "--defaults-file", cnf);
        viaSocket.Exit.Should().Be(1, viaSocket.ToString());
    }

    [Fact]
    public void A_wrong_password_is_UNKNOWN_and_says_so()
    {
        _box.Env["MYSQL_PASSWORD"] = "not-the-password";
        var r = Check("--warn-count", "1");
        r.Exit.Should().Be(3);
        r.Stdout.Should().StartWith($"UNKNOWN: check-longtransaction-cnt: cannot query MySQL at 127.0.0.1:{db.Port} as monitor: ERROR 1045 (28000): Access denied")
            .And.Contain("MYSQL_PASSWORD").And.EndWith("\n");
        r.Lines.Should().HaveCount(1);
    }

    [Fact]
    public void A_user_without_the_PROCESS_privilege_is_UNKNOWN_naming_it()
    {
        var r = _box.Run("check-longtransaction-cnt", [.. db.Tcp("--user", MariaDb.NoProcessUser)]);
        (r.Exit, r.Lines.Length).Should().Be((3, 1), r.ToString());
        r.Stdout.Should().Contain("PROCESS");
    }

    [Fact]
    public void A_server_that_is_down_is_UNKNOWN_not_a_hang()
    {
        using var socket = Loopback.ClosedPort(out var closed);
        var r = _box.Run("check-longtransaction-cnt", "--host", "127.0.0.1", "--port", closed.ToString(), "--timeout", "3");
        r.Exit.Should().Be(3);
        r.Stdout.Should().StartWith($"UNKNOWN: check-longtransaction-cnt: cannot query MySQL at 127.0.0.1:{closed} as root: " +
                                    "ERROR 2002 (HY000): Can't connect to server on '127.0.0.1'")
            .And.EndWith(" (is the server running and reachable there?)\n");
        r.Elapsed.Should().BeLessThan(Patience.Bound);
    }

    [Fact]
    public void A_server_that_accepts_but_never_answers_is_UNKNOWN_after_the_timeout()
    {
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start(); // the kernel completes the handshake; nobody ever speaks
        var port = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
        var r = _box.Run("check-longtransaction-cnt", "--host", "127.0.0.1", "--port", port.ToString(), "--timeout", "2");
        (r.Exit, r.Lines.Length).Should().Be((3, 1), r.ToString());
        r.Stdout.Should().StartWith($"UNKNOWN: check-longtransaction-cnt: ").And.Contain($"127.0.0.1:{port}");
        r.Elapsed.Should().BeLessThan(Patience.Bound);
    }

    [Fact]
    public void A_missing_mysql_client_is_UNKNOWN_with_the_package_to_install()
    {
        _box.Env["PATH"] = Installed.BinDir;
        var r = Check();
        (r.Exit, r.Stdout).Should().Be((3,
            "UNKNOWN: check-longtransaction-cnt: no MySQL client: neither mariadb nor mysql is in PATH (install it: apt install mariadb-client)\n"));
    }

    [Fact]
    public void The_old_release_name_and_bad_values_follow_the_conventions()
    {
        _box.Run("go-check-longtransaction-cnt", [.. db.Tcp()]).Stdout.Should().Be(" OK: OK\n");
        var bad = Check("--warn-count", "x");
        (bad.Exit, bad.Stdout).Should().Be((3,
            "UNKNOWN: check-longtransaction-cnt: --warn-count takes a whole number from 0 to 2147483647 or a range (10:, ~:10, 10:20, @10:20), got 'x' (see check-longtransaction-cnt --help)\n"));
    }

    [Theory]
    [InlineData("1", "3", 1, " WARNING: [WARN] Number of long transactions exceeds threshold:2")] // plain: at least, the original's words
    [InlineData("3", "0", 0, " OK: OK")]                                                              // plain 0: never
    [InlineData("~:1", "~:5", 1, " WARNING: [WARN] Number of long transactions 2 is outside ~:1")]
    [InlineData("3:", "0", 1, " WARNING: [WARN] Number of long transactions 2 is outside 3:")]
    [InlineData("5", "1:1", 2, " CRITICAL: [CRIT] Number of long transactions 2 is outside 1:1")]
    [InlineData("@0:1", "@2:3", 2, " CRITICAL: [CRIT] Number of long transactions 2 is within 2:3")] // ends included
    [InlineData("@0:1", "@3:4", 0, " OK: OK")]
    public void Counts_take_ranges_as_the_guidelines_say(string warn, string crit, int exit, string text)
    {
        using var a = db.OpenTransaction();
        using var b = db.OpenTransaction();
        Thread.Sleep(1100);
        var r = Check("--warn-count", warn, "--crit-count", crit);
        (r.Exit, r.Stdout).Should().Be((exit, text + "\n"), r.ToString());
    }

    [Fact]
    public void Perfdata_gives_the_long_and_open_transactions_and_the_oldest_age_with_the_applied_counts()
    {
        using var a = db.OpenTransaction();
        using var b = db.OpenTransaction();
        Thread.Sleep(1100);
        var r = Check("--threshold", "1h", "--warn-count", "1", "--crit-count", "~:5", "--perfdata");
        (r.Exit, r.Stdout).Should().Be((0, $" OK: OK | long_transactions=0;@1:;~:5;0 transactions=2;;;0 oldest={Oldest(r)}s;;;0\n"), r.ToString());
        Oldest(r).Should().BeGreaterThanOrEqualTo(1);

        _box.Env["METACHECK_PERFDATA"] = "1";
        r = Check("--warn-count", "2");
        (r.Exit, r.Stdout).Should().Be((1, $" WARNING: [WARN] Number of long transactions exceeds threshold:2 | long_transactions=2;@2:;;0 transactions=2;;;0 oldest={Oldest(r)}s;;;0\n"),
            "a count of 0 (the default) applies no threshold");
    }

    private static int Oldest(CmdResult r) => int.Parse(System.Text.RegularExpressions.Regex.Match(r.Stdout, @"oldest=(\d+)s").Groups[1].Value);

    [Fact]
    public void Verbose_names_each_long_transactions_thread_and_account()
    {
        using var a = db.OpenTransaction();
        Thread.Sleep(6100); // ages are whole seconds, and a long one is older than the threshold
        using var young = db.OpenTransaction(); // younger than 5 s when the check asks, unless the check takes 5 s to start
        var r = Check("--threshold", "5", "--warn-count", "1", "-v");
        r.Exit.Should().Be(1, r.ToString());
        r.Stdout.Should().MatchRegex(@"^ WARNING: \[WARN\] Number of long transactions exceeds threshold:1\n" +
                                     @"1 of 2 open transactions have been open longer than 5 s\n" +
                                     @"thread \d+ \(root@localhost\): open \d+ s, RUNNING\n$");
    }

    [Fact]
    public void Dash_t_is_the_timeout()
    {
        var r = Check("-t", "2h");
        (r.Exit, r.Stdout).Should().Be((3,
            "UNKNOWN: check-longtransaction-cnt: --timeout takes seconds (300, 2.5) or a duration (90s, 5m, 1h, 1d) up to 60 min, got '2h' (see check-longtransaction-cnt --help)\n"));
        Check("-t", "5").Stdout.Should().Be(" OK: OK\n");
    }

    [Fact]
    public void Works_as_an_inner_command_of_delay_checker()
    {
        using var open = db.OpenTransaction();
        Thread.Sleep(1100);
        string[] args = ["-c", "2", "--", "check-longtransaction-cnt", .. db.Tcp(), "--crit-count", "1"];
        _box.Run("delay-checker", args).Stdout.Should().Be("DelayWarn(1/2):  CRITICAL: [CRIT] Number of long transactions exceeds threshold:1\n");
        var alert = _box.Run("delay-checker", args);
        (alert.Exit, alert.Stdout).Should().Be((2, "DelayNG(2/2):  CRITICAL: [CRIT] Number of long transactions exceeds threshold:1\n"));
    }
}

using MetaCheck.Checks.CheckLongtransactionCnt;
using MetaCheck.Checks.CheckMysqlBackup;
using MetaCheck.Checks.MySql;
using MetaCheck.Checks.MysqlExtend;
using MetaCheck.Core;

namespace MetaCheck.Tests.Unit;

/// <summary>The pure parts of the MySQL plugins: batch output, error wording, labels, limits.</summary>
public sealed class MySqlPureTests
{
    [Fact]
    public void Batch_output_is_split_into_rows_and_fields_with_the_clients_escapes_undone()
    {
        MySqlClient.ParseBatch("a\tb\\tc\nNULL\tline\\nbreak\\\\x\n\n").Should().BeEquivalentTo(
            new[] { new[] { "a", "b\tc" }, new[] { "NULL", "line\nbreak\\x" } }, o => o.WithStrictOrdering());
    }

    [Theory]
    [InlineData("ERROR 1045 (28000): Access denied for user 'x'@'localhost' (using password: YES)\n",
        "ERROR 1045 (28000): Access denied for user 'x'@'localhost' (using password: YES) (check the user and the password: MYSQL_PASSWORD or --defaults-file)")]
    [InlineData("ERROR 2002 (HY000): Can't connect to server on 'db1' (115)\n", "ERROR 2002 (HY000): Can't connect to server on 'db1' (115) (is the server running and reachable there?)")]
    [InlineData("mariadb: unknown variable 'x=1'\n", "mariadb: unknown variable 'x=1'")]
    [InlineData("", "the client exited 7 without a message")]
    public void A_client_failure_is_its_own_error_line_plus_what_to_check(string stderr, string expected) =>
        MySqlClient.Failure(stderr, 7).Should().Be(expected);

    [Fact]
    public void The_password_goes_to_the_environment_and_explicit_parts_only_onto_the_command_line()
    {
        var server = new MySqlServer { Socket = "/run/mysqld/mysqld.sock", Host = "localhost", Port = 3306, User = "root", Password = "pw", DefaultsFile = "/etc/m.cnf" };
        server.ClientArguments("SELECT 1").Should().Equal("--defaults-file=/etc/m.cnf", "--batch", "--skip-column-names", "--connect-timeout=10",
            "--protocol=SOCKET", "--socket=/run/mysqld/mysqld.sock", "--user=root", "--execute=SELECT 1");
        new MySqlServer { DefaultsFile = "/etc/m.cnf" }.ClientArguments("q").Should().NotContain(a => a.StartsWith("--host") || a.StartsWith("--user"));
        MySqlOptions.WithoutPassword(["-host", "h", "-password", "pw", "--password=pw2", "-pass", "pw3", "-port", "1", "-debug"])
            .Should().Equal("-host", "h", "--password=***", "--password=***", "--password=***", "-port", "1", "-debug");
    }

    [Theory]
    [InlineData("mysql-extend", "MySQL-Extend")]
    [InlineData("mysql", "MySQL")]
    [InlineData("db1-mysql", "Db1-MySQL")]
    [InlineData("web db", "Web Db")]
    public void Graph_labels_capitalise_each_word_and_spell_MySQL(string prefix, string label) => MysqlExtend.Label(prefix).Should().Be(label);

    [Fact]
    public void Status_values_are_cleaned_and_non_numbers_skipped()
    {
        MysqlExtend.Values([["Uptime", " 1,234 "], ["Qps", "12.5/s"], ["Ssl_version", "TLSv1.3"], ["Empty", ""]])
            .Should().BeEquivalentTo(new Dictionary<string, double> { ["Uptime"] = 1234, ["Qps"] = 12.5 });
    }

    [Theory]
    [InlineData(3, 2, 4, 1)]
    [InlineData(3, 2, 3, 2)]
    [InlineData(3, 0, 0, 0)]
    [InlineData(0, 1, 1, 0)]
    public void Long_transactions_alert_at_or_above_the_counts_and_zero_disables(int count, int warn, int crit, int status) =>
        ((int)CheckLongtransactionCnt.Evaluate([.. Enumerable.Repeat(new OpenTransaction(10), count)], 5, ThresholdRange.AtLeast(warn), ThresholdRange.AtLeast(crit))
            .Status).Should().Be(status);

    [Theory]
    [InlineData(45, "45s")]
    [InlineData(450, "7m30s")]
    [InlineData(3 * 3600 + 720, "3h12m")]
    [InlineData(27 * 3600, "1d3h")]
    public void Backup_ages_read_in_two_units(long seconds, string text) => CheckMysqlBackup.Age(seconds).Should().Be(text);

    [Theory]
    [InlineData("1", 1L)]
    [InlineData("10k", 10240L)]
    [InlineData("5M", 5L << 20)]
    [InlineData("2g", 2L << 30)]
    public void Minimum_sizes_take_binary_units(string text, long bytes) =>
        CheckMysqlBackup.ParseSize(text, e => throw new InvalidOperationException(e)).Should().Be(bytes);

    [Fact]
    public void Backup_size_is_checked_before_age_and_critical_before_warning()
    {
        var limits = new CheckMysqlBackup.Limits(ThresholdRange.Above(3600), ThresholdRange.Above(7200), ThresholdRange.Below(100));
        CheckMysqlBackup.Evaluate(new Backup("f", 3 * 3600, 5), "", limits).Text.Should().Be(" CRITICAL: newest backup f is 5 bytes, less than --min-size 100");
        CheckMysqlBackup.Evaluate(new Backup("f", 3 * 3600, null), "", limits).Text.Should().Be(" CRITICAL: newest backup f is 3h0m old (critical above 2h0m)");
        CheckMysqlBackup.Evaluate(new Backup("f", 3600, 500), "", limits).Text.Should().Be(" OK: newest backup f is 1h0m old, 500 bytes");
    }
}

using System.Globalization;
using System.Text;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests.Checks;

/// <summary>mackerel-plugin-mysql-extend against a real MariaDB: SHOW GLOBAL STATUS counters as per-minute rates.</summary>
[Collection(MariaDbCollection.Name)]
public sealed class MysqlExtendTests(MariaDb db) : IDisposable
{
    private const string Plugin = "mackerel-plugin-mysql-extend";
    private readonly Sandbox _box = db.MonitorSandbox();

    public void Dispose() => _box.Dispose();

    private string[] Tcp => ["-host", "127.0.0.1", "-port", db.Port.ToString(CultureInfo.InvariantCulture), "-username", MariaDb.MonitorUser];

    private static Dictionary<string, double> Metrics(CmdResult r) => r.Lines
        .Select(l => l.Split('\t'))
        .ToDictionary(f => f[0], f => double.Parse(f[1], CultureInfo.InvariantCulture));

    [Fact]
    public void The_first_run_prints_the_gauges_and_the_second_the_command_rates()
    {
        var first = _box.Run(Plugin, Tcp);
        first.Exit.Should().Be(0, first.ToString());
        var gauges = Metrics(first);
        gauges.Keys.Should().BeEquivalentTo(
        [
            "mysql-extend.lock_extend.Innodb_row_lock_time_avg", "mysql-extend.lock_extend.Innodb_row_lock_time_max",
            "mysql-extend.uptime.Uptime", "mysql-extend.uptime.Uptime_since_flush_status",
        ], "counters need a previous sample");
        var uptime = double.Parse(db.RootSql("SHOW GLOBAL STATUS LIKE 'Uptime'").Split('\t')[1], CultureInfo.InvariantCulture);
        gauges["mysql-extend.uptime.Uptime"].Should().BeInRange(uptime - 2, uptime);

        Thread.Sleep(1100);
        db.RootSql(string.Concat(Enumerable.Repeat("SHOW GLOBAL STATUS LIKE 'Uptime';", 60)));
        var second = _box.Run(Plugin, Tcp);
        var rates = Metrics(second);
        var elapsed = second.Lines[0].Split('\t')[2];
        // The uptime read above, 60 statements and the plugin's own second SHOW GLOBAL STATUS, per minute over
        // the whole seconds between the two runs (1 s and more: a loaded machine may take a few).
        var showStatus = rates["mysql-extend.cmd_ext.Com_show_status"];
        Enumerable.Range(1, 20).Should().Contain(seconds => Math.Abs(showStatus - 62 * 60.0 / seconds) < 1e-5,
            $"{showStatus} is 62 statements per minute over whole seconds ({elapsed})");
        rates["mysql-extend.connection.Connection_errors_max_connections"].Should().Be(0);
        rates.Keys.Should().NotContain("mysql-extend.cmd_ext.Com_alter_tablespace", "MariaDB has no such variable: it is skipped, not printed as 0");
        rates.Keys.Where(k => k.Contains(".cmd_ext.")).Should().HaveCount(11);
        rates.Keys.Where(k => k.Contains(".connection.")).Should().HaveCount(6);
    }

    [Fact]
    public void The_graph_definition_needs_no_server_and_the_prefix_names_graphs_and_labels()
    {
        _box.Env["MACKEREL_AGENT_PLUGIN_META"] = "1";
        var meta = _box.Run(Plugin, "-port", "1");
        meta.Exit.Should().Be(0, meta.ToString());
        meta.Lines[0].Should().Be("# mackerel-agent-plugin");
        meta.Lines[1].Should().StartWith("""{"graphs":{"mysql-extend.cmd_ext":{"label":"MySQL-Extend Command Extend","unit":"float","metrics":[{"name":"Com_admin_commands","label":"admin_commands","stacked":true},""")
            .And.Contain("""mysql-extend.lock_extend":{"label":"MySQL-Extend Lock Extend","unit":"integer","metrics":[{"name":"Innodb_row_lock_time_avg","label":"lock time avg","stacked":false}""");

        _box.Run(Plugin, "-metric-key-prefix", "db1-mysql").Lines[1].Should().Contain("""db1-mysql.uptime":{"label":"Db1-MySQL Uptime","unit":"float",""");
        _box.Env["MACKEREL_AGENT_PLUGIN_META"] = null;
        var empty = _box.Run(Plugin, [.. Tcp, "-metric-key-prefix="]);
        empty.Stdout.Should().Contain("\nmysql.uptime.Uptime\t", "an explicitly empty prefix means mysql");
    }

    [Fact]
    public void The_password_never_reaches_the_client_command_line_nor_the_state_store()
    {
        _box.Env["MYSQL_PASSWORD"] = null;
        var r = _box.Run(Plugin, [.. Tcp, "-password", db.MonitorPassword, "-debug"]);
        r.Exit.Should().Be(0, r.ToString());
        r.Stderr.Should().Contain($"--user={MariaDb.MonitorUser}").And.Contain("(password in MYSQL_PWD)").And.NotContain(db.MonitorPassword);
        r.Stdout.Should().Contain("mysql-extend.uptime.Uptime\t");
        var store = Directory.GetFiles(_box.StateDir).Select(File.ReadAllBytes).Select(Encoding.UTF8.GetString);
        store.Should().NotBeEmpty().And.OnlyContain(content => !content.Contains(db.MonitorPassword));
    }

    [Fact]
    public void A_down_server_or_wrong_password_is_one_UNKNOWN_line()
    {
        using var socket = Loopback.ClosedPort(out var closed);
        var down = _box.Run(Plugin, "-host", "127.0.0.1", "-port", closed.ToString(CultureInfo.InvariantCulture), "-timeout", "3");
        (down.Exit, down.Lines.Length).Should().Be((3, 1));
        down.Stdout.Should().StartWith($"UNKNOWN: {Plugin}: cannot query MySQL at 127.0.0.1:{closed} as root: ERROR 2002 (HY000)");

        _box.Env["MYSQL_PASSWORD"] = "wrong";
        var denied = _box.Run(Plugin, Tcp);
        (denied.Exit, denied.Lines.Length).Should().Be((3, 1));
        denied.Stdout.Should().Contain("ERROR 1045 (28000): Access denied for user 'monitor'");
    }

    [Fact]
    public void Works_as_an_inner_command_of_interval_checker()
    {
        string[] args = ["--interval", "300", "--", Plugin, .. Tcp];
        var first = _box.Run("interval-checker", args);
        first.Exit.Should().Be(0, first.ToString());
        first.Stdout.Should().Contain("mysql-extend.uptime.Uptime\t");
        _box.Run("interval-checker", args).Stdout.Should().Be(first.Stdout, "the heavy query is not repeated within the interval");
    }
}

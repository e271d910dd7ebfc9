using MetaCheck.Checks.Framework;
using MetaCheck.Checks.LinuxNetstat;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests.Checks;

public sealed class LinuxNetstatTests : IDisposable
{
    private readonly Sandbox _box = new();
    private static readonly long Page = Environment.SystemPageSize;

    public void Dispose() => _box.Dispose();

    private static string[] WithoutEpoch(string stdout) =>
        [.. stdout.TrimEnd('\n').Split('\n').Where(l => l.Length > 0).Select(l => l[..l.LastIndexOf('\t')])];

    [Fact]
    public void Tables_are_header_value_pairs_and_parsing_stops_quietly_at_a_mismatch()
    {
        var values = new Dictionary<string, double>();
        LinuxNetstat.ParseTables("Tcp: MaxConn InSegs\nTcp: -1 5\nUdp: A B\nUdp: 1 2\nIp: X\nIcmp: 3\nLate: Y\nLate: 4\n", "f", values);
        values.Should().BeEquivalentTo(new Dictionary<string, double> { ["TcpMaxConn"] = -1, ["TcpInSegs"] = 5, ["UdpA"] = 1, ["UdpB"] = 2 });
    }

    [Fact]
    public void Fix_a_non_number_is_an_error_naming_the_file_not_a_panic()
    {
        var act = () => LinuxNetstat.ParseTables("Tcp: InSegs\nTcp: x1\n", "/p/net/snmp", new Dictionary<string, double>());
        act.Should().Throw<DataSourceException>().WithMessage("cannot parse /p/net/snmp line 2: TcpInSegs is 'x1', not a number");
    }

    [Fact]
    public void First_run_prints_only_the_memory_gauge()
    {
        var r = _box.RunOn("linux-2.6.32", "mackerel-plugin-linux-netstat");
        r.Exit.Should().Be(0);
        WithoutEpoch(r.Stdout).Should().Equal($"netstat.tcp.memory.tcp_memory_size\t{4 * Page}");
    }

    [Fact]
    public void Second_run_prints_per_minute_rates_of_every_graph_with_extend()
    {
        var proc = _box.CopyFixture("linux-2.6.32");
        var run = new InProcess(_box, proc);
        run.Run(LinuxNetstat.Main, "-metric-key-prefix", "net", "-extend").Stdout.Should().Be($"net.tcp.memory.tcp_memory_size\t{4 * Page}\t1700000000\n");
        var snmp = Path.Combine(proc, "net/snmp");
        File.WriteAllText(snmp, File.ReadAllText(snmp).Replace("86112003 79923112 3012", "86112123 79923142 3012"));
        run.Clock.Epoch += 60;
        var r = run.Run(LinuxNetstat.Main, "-metric-key-prefix", "net", "-extend");
        r.Exit.Should().Be(0);
        string[] zeroes(string graph, params string[] names) => [.. names.Select(n => $"net.tcp.{graph}.{n}\t0\t1700000060")];
        r.Stdout.TrimEnd('\n').Split('\n').Should().Equal(
        [
            "net.tcp.segments.TcpInSegs\t120\t1700000060", "net.tcp.segments.TcpOutSegs\t30\t1700000060",
            .. zeroes("segments", "TcpRetransSegs", "TcpInErrs", "TcpOutRsts"),
            $"net.tcp.memory.tcp_memory_size\t{4 * Page}\t1700000060",
            .. zeroes("misc_errors", "TcpExtEmbryonicRsts", "TcpExtPruneCalled", "TcpExtRcvPruned", "TcpExtOfoPruned", "TcpExtListenOverflows",
                "TcpExtListenDrops", "TcpExtTCPSchedulerFailed", "TcpExtTCPRcvCollapsed"),
            .. zeroes("abort", "TcpExtTCPAbortOnData", "TcpExtTCPAbortOnClose", "TcpExtTCPAbortOnMemory", "TcpExtTCPAbortOnTimeout",
                "TcpExtTCPAbortOnLinger", "TcpExtTCPAbortFailed"),
            .. zeroes("delayed_acks", "TcpExtDelayedACKs", "TcpExtDelayedACKLocked", "TcpExtDelayedACKLost"),
            .. zeroes("timewait.timewait", "TcpExtTW", "TcpExtTWRecycled", "TcpExtTWKilled"),
            .. zeroes("syncookies", "TcpExtSyncookiesSent", "TcpExtSyncookiesRecv", "TcpExtSyncookiesFailed"),
            .. zeroes("timeout", "TcpExtTCPTimeouts"),
        ]);
    }

    [Fact]
    public void Counters_of_a_newer_kernel_that_are_missing_are_not_printed()
    {
        var run = new InProcess(_box, Path.Combine(Fixtures.Root("linux-6.18"), "proc"));
        run.Run(LinuxNetstat.Main);
        run.Clock.Epoch += 60;
        var lines = WithoutEpoch(run.Run(LinuxNetstat.Main).Stdout);
        lines.Should().HaveCount(13).And.Contain($"netstat.tcp.memory.tcp_memory_size\t{100 * Page}")
            .And.Contain("netstat.tcp.misc_errors.TcpExtTCPRcvCollapsed\t0")
            .And.NotContain(l => l.Contains("TCPSchedulerFailed"));
    }

    [Fact]
    public void Meta_json_matches_the_original()
    {
        _box.Env["MACKEREL_AGENT_PLUGIN_META"] = "1";
        var r = _box.Run("mackerel-plugin-linux-netstat");
        string m(params string[] names) => string.Join(",", names.Select(n => $"{{\"name\":\"{n}\",\"label\":\"{n}\",\"stacked\":false}}"));
        (r.Exit, r.Stdout).Should().Be((0, "# mackerel-agent-plugin\n{\"graphs\":{" +
            "\"netstat.tcp.memory\":{\"label\":\"Netstat memory\",\"unit\":\"bytes\",\"metrics\":[{\"name\":\"tcp_memory_size\",\"label\":\"Tcp Memory Size\",\"stacked\":false}]}," +
            "\"netstat.tcp.misc_errors\":{\"label\":\"Netstat misc_errors\",\"unit\":\"bytes\",\"metrics\":[" + m("TcpExtEmbryonicRsts", "TcpExtPruneCalled",
                "TcpExtRcvPruned", "TcpExtOfoPruned", "TcpExtListenOverflows", "TcpExtListenDrops", "TcpExtTCPSchedulerFailed", "TcpExtTCPRcvCollapsed") + "]}," +
            "\"netstat.tcp.segments\":{\"label\":\"Netstat segments\",\"unit\":\"bytes\",\"metrics\":[" + m("TcpInSegs", "TcpOutSegs", "TcpRetransSegs", "TcpInErrs", "TcpOutRsts") + "]}}}\n"));
    }

    [Fact]
    public void Missing_files_are_skipped_as_in_the_original()
    {
        Directory.CreateDirectory(_box.PathOf("empty-proc"));
        _box.Env["HOST_PROC"] = _box.PathOf("empty-proc");
        var r = _box.Run("mackerel-plugin-linux-netstat");
        (r.Exit, r.Stdout).Should().Be((0, ""));
    }

    [Fact]
    public void Fix_a_malformed_sockstat_is_UNKNOWN_naming_the_file()
    {
        var proc = _box.CopyFixture("linux-2.6.32");
        File.WriteAllText(Path.Combine(proc, "net/sockstat"), "TCP: inuse 25 mem x\n");
        _box.Env["HOST_PROC"] = proc;
        var r = _box.Run("mackerel-plugin-linux-netstat");
        (r.Exit, r.Stdout).Should().Be((3, $"UNKNOWN: mackerel-plugin-linux-netstat: cannot parse {proc}/net/sockstat: expected a page count at the end of 'TCP: inuse 25 mem x'\n"));
    }

    [Fact]
    public void Smoke_on_this_machine()
    {
        var r = _box.Run("mackerel-plugin-linux-netstat");
        r.Exit.Should().Be(0);
        r.Stdout.Should().MatchRegex(@"^netstat\.tcp\.memory\.tcp_memory_size\t\d+\t\d+\n$");
    }
}

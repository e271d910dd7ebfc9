using System.Text.Json;
using MetaCheck.Checks.Framework;
using MetaCheck.Checks.MackerelPluginNtpq;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests.Checks;

public sealed class MackerelPluginNtpqTests : IDisposable
{
    private readonly Sandbox _box = new();

    public void Dispose() => _box.Dispose();

    private static string Offset(double? ms) => ms is { } v ? NumberFormat.Perl(v) : "none";

    [Theory]
    [InlineData("chronyc-sources-synced.txt", "7.2e-05")]       // ^* 127.0.0.1 ... -66ns[  -72ns]
    [InlineData("chronyc-sources-ipv6-peer.txt", "0.001363")]   // ^* ::1 ... +1415ns[+1363ns]
    [InlineData("chronyc-sources-no-daemon.txt", "none")]
    public void Parses_real_chronyc_sources_output(string file, string offset) =>
        Offset(MackerelPluginNtpq.ParseChrony(FakeCommands.ReadFixture("ntp-outputs/" + file))).Should().Be(offset);

    [Theory]
    [InlineData("^* 162.159.200.1                 3   6   377    36    -11us[  -15us] +/-   15ms", "0.015")]
    [InlineData("^* 162.159.200.1                 3   6   377    36   -2210ms[ -2.25s] +/-   15ms", "2250")]
    [InlineData("^* 162.159.200.1                 3   6   377    36   +300ns[ +350ns] +/-   15ms", "0.00035")]
    [InlineData("^* 162.159.200.1                 3   6   377    36   +1.5ms[ +1.2ms] +/-   15ms", "1.2")]
    [InlineData("^+ 162.159.200.1                 3   6   377    36   +300ns[ +350ns] +/-   15ms", "none")]
    [InlineData("#* PPS0                          0   4   377    12   +300ns[ +350ns] +/-   15ms", "none")]
    public void Chrony_offset_is_the_bracketed_value_in_milliseconds(string line, string offset) =>
        Offset(MackerelPluginNtpq.ParseChrony(line + "\n")).Should().Be(offset);

    [Theory]
    [InlineData("ntpq-pn-synced.txt", "0.392")]
    [InlineData("ntpq-pn-ipv6-peer.txt", "1.544")]
    [InlineData("ntpq-pn-ipv6-cut.txt", "1.544")]
    [InlineData("ntpq-pn-unsynced.txt", "none")]
    [InlineData("ntpq-pn-no-daemon.txt", "none")]
    public void Parses_ntpq_peers_output(string file, string offset) =>
        Offset(MackerelPluginNtpq.ParseNtpq(FakeCommands.ReadFixture("ntp-outputs/" + file))).Should().Be(offset);

    [Theory]
    [InlineData(false, null, 100000, "ntpq.synced.remote=0 ntpq.offset.seconds=-1")]
    [InlineData(false, null, 10, "ntpq.synced.remote=0 ntpq.offset.seconds=-1")]
    [InlineData(true, 0.392, 100000, "ntpq.synced.remote=1 ntpq.offset.seconds=0.392")]
    [InlineData(true, 0.392, 1799, "ntpq.synced.remote=1 ntpq.offset.seconds=-0.392")]
    [InlineData(true, 1500.0, 60, "ntpq.synced.remote=1 ntpq.offset.seconds=1500")]
    [InlineData(true, 1000.0, 60, "ntpq.synced.remote=1 ntpq.offset.seconds=1000")]
    [InlineData(true, 999.5, 60, "ntpq.synced.remote=1 ntpq.offset.seconds=-999.5")]
    [InlineData(true, 0.0, 60, "ntpq.synced.remote=1 ntpq.offset.seconds=0")]
    [InlineData(true, null, 60, "ntpq.synced.remote=0 ntpq.offset.seconds=0")]
    [InlineData(true, null, 1800, "ntpq.synced.remote=0")]
    public void Report_covers_failure_boot_grace_and_no_peer(bool ok, double? offset, long uptime, string expected)
    {
        var writer = new StringWriter();
        MackerelPluginNtpq.Report(new NtpReading(ok, offset), uptime).WriteTo(writer, 1700000000);
        var pairs = writer.ToString().TrimEnd('\n').Split('\n').Select(l => l.Split('\t')).Select(f => $"{f[0]}={f[1]}");
        string.Join(" ", pairs).Should().Be(expected);
        writer.ToString().Should().EndWith("\t1700000000\n");
    }

    [Theory]
    [InlineData("4242 (chronyd) S 1 4242 4242 0 -1 4194624 1 0", true)]
    [InlineData("733 (chronyd) Z 1 733 733 0 -1 4194304 1 0", false)]
    [InlineData("981 (chronyd.sh) S 1 981 981 0 -1 4194304 1 0", false)]
    [InlineData("77 (vim chronyd) S 1 77 77 0 -1 4194304 1 0", false)]
    public void Chronyd_is_a_live_process_of_that_exact_name(string stat, bool live) =>
        MackerelPluginNtpq.IsLiveProcess(stat, "chronyd").Should().Be(live);

    private static string[] Metrics(CmdResult r)
    {
        r.Exit.Should().Be(0, r.ToString());
        var lines = r.Lines;
        lines.Should().AllSatisfy(l => l.Should().MatchRegex(@"^[a-z.]+\t[-0-9.e+]+\t\d{10}$"));
        return lines.Select(l => string.Join('\t', l.Split('\t')[..2])).ToArray();
    }

    [Fact]
    public void Fake_chronyc_when_chronyd_runs()
    {
        _box.FakeCommand("chronyc", "-n sources", "ntp-outputs/chronyc-sources-synced.txt");
        Metrics(_box.RunOn("ntp-chrony-host", "mackerel-plugin-ntpq"))
            .Should().Equal("ntpq.synced.remote\t1", "ntpq.offset.seconds\t7.2e-05");
    }

    [Fact]
    public void Fake_chronyc_with_an_ipv6_peer()
    {
        _box.FakeCommand("chronyc", "-n sources", "ntp-outputs/chronyc-sources-ipv6-peer.txt");
        Metrics(_box.RunOn("ntp-chrony-host", "mackerel-plugin-ntpq"))
            .Should().Equal("ntpq.synced.remote\t1", "ntpq.offset.seconds\t0.001363");
    }

    [Fact]
    public void Fake_chronyc_failing_reports_not_synced()
    {
        _box.FakeCommand("chronyc", "-n sources", "ntp-outputs/chronyc-sources-no-daemon.txt", exit: 1);
        Metrics(_box.RunOn("ntp-chrony-host", "mackerel-plugin-ntpq"))
            .Should().Equal("ntpq.synced.remote\t0", "ntpq.offset.seconds\t-1");
    }

    [Fact]
    public void Fake_ntpq_when_chronyd_does_not_run_and_the_host_booted_recently()
    {
        // ntp-ntpd-host: uptime 612 s, ntpd running, a zombie chronyd (ignored).
        _box.FakeCommand("ntpq", "-pn", "ntp-outputs/ntpq-pn-synced.txt");
        Metrics(_box.RunOn("ntp-ntpd-host", "mackerel-plugin-ntpq"))
            .Should().Equal("ntpq.synced.remote\t1", "ntpq.offset.seconds\t-0.392");
    }

    [Fact]
    public void Fix_fake_ntpq_that_cuts_an_ipv6_peer_to_15_characters_still_finds_it()
    {
        _box.FakeCommand("ntpq", "-pn", "ntp-outputs/ntpq-pn-ipv6-cut.txt");
        Metrics(_box.RunOn("ntp-ntpd-host", "mackerel-plugin-ntpq"))
            .Should().Equal("ntpq.synced.remote\t1", "ntpq.offset.seconds\t-1.544");
    }

    [Fact]
    public void Fake_ntpq_without_a_system_peer_after_boot_grace_omits_the_offset()
    {
        _box.FakeCommand("ntpq", "-pn", "ntp-outputs/ntpq-pn-unsynced.txt");
        _box.Env["HOST_PROC"] = _box.PathOf("proc");
        Directory.CreateDirectory(_box.PathOf("proc"));
        File.Copy(Path.Combine(Fixtures.Root("ntp-chrony-host"), "proc", "uptime"), _box.PathOf("proc/uptime"));
        var r = _box.Run("mackerel-plugin-ntpq");
        Metrics(r).Should().Equal("ntpq.synced.remote\t0");
        r.Stderr.Should().BeEmpty();
    }

    [Fact]
    public void Fix_neither_chronyd_nor_ntpq_is_UNKNOWN()
    {
        _box.UseFakePath(systemPath: false);
        var r = _box.RunOn("ntp-ntpd-host", "mackerel-plugin-ntpq");
        r.Exit.Should().Be(3);
        r.Stdout.Should().StartWith("UNKNOWN: mackerel-plugin-ntpq: chronyd is not running and cannot run 'ntpq': not found in PATH");
        r.Lines.Should().HaveCount(1);
    }

    [Fact]
    public void Smoke_on_this_machine()
    {
        var r = _box.Run("mackerel-plugin-ntpq");
        if (r.Exit == 3)
            r.Stdout.Should().StartWith("UNKNOWN: mackerel-plugin-ntpq: chronyd is not running and cannot run 'ntpq'");
        else
            Metrics(r)[0].Should().MatchRegex(@"^ntpq\.synced\.remote\t[01]$");
    }

    [Fact]
    public void Graph_definition_matches_the_original()
    {
        _box.Env["MACKEREL_AGENT_PLUGIN_META"] = "1";
        var r = _box.Run("mackerel-plugin-ntpq");
        r.Exit.Should().Be(0);
        r.Lines.Should().HaveCount(2);
        r.Lines[0].Should().Be("# mackerel-agent-plugin");
        var graphs = JsonDocument.Parse(r.Lines[1]).RootElement.GetProperty("graphs");
        graphs.EnumerateObject().Select(p => p.Name).Should().Equal("ntpq.synced", "ntpq.offset");
        var synced = graphs.GetProperty("ntpq.synced");
        (synced.GetProperty("label").GetString(), synced.GetProperty("unit").GetString()).Should().Be(("NTP synced remote", "integer"));
        synced.GetProperty("metrics").GetRawText().Should().Be("""[{"name":"remote","label":"number of remote host","stacked":false,"diff":false}]""");
        var offset = graphs.GetProperty("ntpq.offset");
        (offset.GetProperty("label").GetString(), offset.GetProperty("unit").GetString()).Should().Be(("NTP offset", "float"));
        offset.GetProperty("metrics").GetRawText().Should().Be("""[{"name":"seconds","label":"abs milliseconds","stacked":false,"diff":false}]""");
    }

    [Fact]
    public void Works_as_an_inner_command_of_delay_checker()
    {
        _box.FakeCommand("chronyc", "-n sources", "ntp-outputs/chronyc-sources-synced.txt");
        _box.Env["HOST_PROC"] = Path.Combine(Fixtures.Root("ntp-chrony-host"), "proc");
        var r = _box.Run("delay-checker", "-c", "2", "--", "mackerel-plugin-ntpq");
        Metrics(r).Should().Equal("ntpq.synced.remote\t1", "ntpq.offset.seconds\t7.2e-05");
    }
}

using MetaCheck.Checks.CheckDdosUdp;
using MetaCheck.Core;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests.Checks;

/// <summary>
/// Fixtures: udp-idle is this build machine's /proc/net/{snmp,snmp6,udp,udp6}; udp-flood is the same host
/// a moment later, after 500 datagrams were sent over loopback to a socket with a 1 KiB receive buffer that
/// never read (499 dropped: InErrors, RcvbufErrors and the socket's drops column), 40 datagrams to a closed
/// port (NoPorts) and 10 to an IPv6 socket (queued, not yet read).
/// </summary>
public sealed class CheckDdosUdpTests : IDisposable
{
    private readonly Sandbox _box = new();
    private readonly Dictionary<string, string?> _env = new();

    public void Dispose() => _box.Dispose();

    private const string FloodSummary =
        "UDP in 0/s, errors 49.9/s (rcvbuf 49.9/s), no port 4/s, socket drops 49.9/s over 10 s; most drops: 127.0.0.1:42108 (499 since it opened)";

    /// <summary>Runs on a writable proc tree holding udp-idle, then the flood sample 10 s later.</summary>
    private (int Exit, string Stdout, string Stderr) IdleThenFlood(params string[] args)
    {
        var proc = _box.CopyFixture("udp-idle");
        var run = new InProcess(_box, proc);
        foreach (var (name, value) in _env) run.Env[name] = value;
        run.Run(CheckDdosUdp.Main, args).Exit.Should().Be(0, "the first run only stores a sample");
        Load(proc, "udp-flood");
        run.Clock.Epoch += 10;
        return run.Run(CheckDdosUdp.Main, args);
    }

    private static void Load(string proc, string fixture)
    {
        foreach (var f in new[] { "snmp", "snmp6", "udp", "udp6" })
            File.Copy(Path.Combine(Fixtures.Root(fixture), "proc", "net", f), Path.Combine(proc, "net", f), overwrite: true);
    }

    [Fact]
    public void Receive_errors_above_w_are_WARNING()
    {
        IdleThenFlood("-w", "10", "-c", "100").Should().Be((1, $"WARNING: receive errors 49.9/s > 10 | {FloodSummary}\n", ""));
    }

    [Fact]
    public void Receive_errors_above_c_are_CRITICAL()
    {
        IdleThenFlood("-w", "10", "-c", "40").Should().Be((2, $"CRITICAL: receive errors 49.9/s > 40 | {FloodSummary}\n", ""));
    }

    [Fact]
    public void Every_breach_is_named_and_the_worst_status_wins()
    {
        IdleThenFlood("-w", "10", "--noports-critical", "3", "--datagrams-warning", "0").Should().Be((2,
            $"CRITICAL: receive errors 49.9/s > 10, datagrams to closed ports 4/s > 3 | {FloodSummary}\n", ""));
    }

    [Theory]
    [InlineData("-w ~:10 -c @40:49.9", 2, "receive errors 49.9/s is within 40:49.9")]                   // ends included
    [InlineData("-c @49.9:50 --noports-warning 5:", 2, "receive errors 49.9/s is within 49.9:50, datagrams to closed ports 4/s is outside 5:")]
    [InlineData("-w @0:49.8 --datagrams-critical 1:", 2, "datagrams in 0/s is outside 1:")]            // a floor: the service went quiet
    [InlineData("-w 10:60 --noports-warning @0:3.9", 0, null)]
    public void Ranges_alert_as_the_guidelines_say_and_the_message_names_them(string args, int exit, string? breaches) =>
        IdleThenFlood(args.Split(' ')).Should().Be((exit, breaches is null ? $"OK: {FloodSummary}\n" : $"CRITICAL: {breaches} | {FloodSummary}\n", ""));

    [Fact]
    public void Perfdata_mode_gives_every_rate_with_the_thresholds_applied_to_it()
    {
        _env["METACHECK_PERFDATA"] = "1";
        IdleThenFlood("-w", "10", "-c", "100", "--noports-critical", "~:3").Should().Be((2,
            $"CRITICAL: receive errors 49.9/s > 10, datagrams to closed ports 4/s is outside ~:3 - {FloodSummary} | " +
            "in_datagrams=0;;;0 no_ports=4;;~:3;0 in_errors=49.9;~:10;~:100;0 rcvbuf_errors=49.9;;;0 socket_drops=49.9;;;0\n", ""));
    }

    [Fact]
    public void Perfdata_mode_through_the_binary_from_the_second_run()
    {
        var proc = _box.CopyFixture("udp-idle");
        _box.Env["HOST_PROC"] = proc;
        var r = _box.Run("check-ddos-udp", "-w", "10", "--perfdata");
        (r.Exit, r.Stdout).Should().Be((0, "OK: no previous sample (first run); UDP counters stored\n"), "nothing measured yet: no performance data");
        Load(proc, "udp-flood");
        Thread.Sleep(1100);
        r = _box.Run("check-ddos-udp", "-w", "10", "--perfdata");
        r.Exit.Should().Be(1);
        r.Stdout.Should().MatchRegex(@"^WARNING: receive errors [\d.]+/s > 10 - UDP in [^|]+ \| in_datagrams=0;;;0 no_ports=[\d.]+;;;0 in_errors=[\d.]+;~:10;;0 rcvbuf_errors=[\d.]+;;;0 socket_drops=[\d.]+;;;0\n$");
    }

    [Fact]
    public void Verbose_adds_each_counter_now_and_at_the_previous_sample()
    {
        var proc = _box.CopyFixture("udp-idle");
        var run = new InProcess(_box, proc);
        run.Run(CheckDdosUdp.Main, "-w", "10", "-v").Should().Be((0, "OK: no previous sample (first run); UDP counters stored\n" +
            "in_datagrams: 1718\nno_ports: 358\nin_errors: 0\nrcvbuf_errors: 0\nsocket_drops: 0\n", ""));
        Load(proc, "udp-flood");
        run.Clock.Epoch += 10;
        run.Run(CheckDdosUdp.Main, "-w", "100", "--verbose").Should().Be((0, $"OK: {FloodSummary}\n" +
            "in_datagrams: 1718 (was 1718 10 s before)\nno_ports: 398 (was 358 10 s before)\nin_errors: 499 (was 0 10 s before)\n" +
            "rcvbuf_errors: 499 (was 0 10 s before)\nsocket_drops: 499 (was 0 10 s before)\n", ""));
    }

    [Fact]
    public void Rates_at_the_threshold_are_OK()
    {
        IdleThenFlood("-w", "50", "--noports-warning", "4").Should().Be((0, $"OK: {FloodSummary}\n", ""));
    }

    [Fact]
    public void Counters_that_went_down_count_as_zero()
    {
        var proc = _box.CopyFixture("udp-flood");
        var run = new InProcess(_box, proc);
        run.Run(CheckDdosUdp.Main, "-w", "0");
        Load(proc, "udp-idle");   // a reboot, or the dropping socket closed
        run.Clock.Epoch += 5;
        run.Run(CheckDdosUdp.Main, "-w", "0").Should().Be((0,
            "OK: UDP in 0/s, errors 0/s (rcvbuf 0/s), no port 0/s, socket drops 0/s over 5 s\n", ""));
    }

    [Fact]
    public void A_second_run_in_the_same_second_keeps_the_previous_sample()
    {
        var proc = _box.CopyFixture("udp-idle");
        var run = new InProcess(_box, proc);
        run.Run(CheckDdosUdp.Main, "-c", "1");
        Load(proc, "udp-flood");
        run.Run(CheckDdosUdp.Main, "-c", "1").Should().Be((0, "OK: no previous sample (the last one is less than 1 s old)\n", ""));
        run.Clock.Epoch += 10;
        run.Run(CheckDdosUdp.Main, "-c", "1").Exit.Should().Be(2); // still compared with the idle sample
    }

    [Fact]
    public void IPv4_only_hosts_work_without_snmp6_and_udp6()
    {
        var proc = _box.CopyFixture("udp-idle");
        File.Delete(Path.Combine(proc, "net", "snmp6"));
        File.Delete(Path.Combine(proc, "net", "udp6"));
        var run = new InProcess(_box, proc);
        run.Run(CheckDdosUdp.Main, "-w", "1").Exit.Should().Be(0);
        run.Clock.Epoch += 1;
        run.Run(CheckDdosUdp.Main, "-w", "1").Stdout.Should().Be(
            "OK: UDP in 0/s, errors 0/s (rcvbuf 0/s), no port 0/s, socket drops 0/s over 1 s\n");
    }

    [Fact]
    public void The_binary_reads_a_fixture_tree()
    {
        var r = _box.RunOn("udp-flood", "check-ddos-udp", "-w", "1");
        (r.Exit, r.Stdout).Should().Be((0, "OK: no previous sample (first run); UDP counters stored\n"));
    }

    [Fact]
    public void Two_runs_of_the_binary_on_this_machine()
    {
        _box.Run("check-ddos-udp", "-c", "1000000").Stdout.Should().Be("OK: no previous sample (first run); UDP counters stored\n");
        Thread.Sleep(1100);
        var r = _box.Run("check-ddos-udp", "-c", "1000000");
        r.Exit.Should().Be(0);
        r.Stdout.Should().MatchRegex(@"^OK: UDP in [\d.]+/s, errors [\d.]+/s \(rcvbuf [\d.]+/s\), no port [\d.]+/s, socket drops [\d.]+/s over \d s(; most drops: .+)?\n$");
    }

    [Fact]
    public void Fix_a_missing_proc_file_is_UNKNOWN_naming_the_file()
    {
        _box.Env["HOST_PROC"] = _box.PathOf("no-proc");
        var r = _box.Run("check-ddos-udp", "-w", "1");
        (r.Exit, r.Stdout).Should().Be((3, $"UNKNOWN: check-ddos-udp: cannot read {_box.PathOf("no-proc")}/net/snmp: no such file\n"));
    }

    [Theory]
    [InlineData("snmp", "Ip: Forwarding\nIp: 1\n", "has no Udp: lines")]
    [InlineData("snmp", "Udp: InDatagrams NoPorts InErrors\nUdp: 1 x 3\n", "cannot parse")]
    [InlineData("snmp", "Udp: InDatagrams NoPorts\nUdp: 1 2\n", "has no Udp InErrors counter")]
    [InlineData("snmp6", "Udp6InDatagrams oops\n", "cannot parse")]
    [InlineData("udp", "header\n  1: 0100007F:0035 00000000:0000 07\n", "cannot parse")]
    public void Fix_malformed_proc_files_are_UNKNOWN_in_one_line(string file, string content, string message)
    {
        var proc = _box.CopyFixture("udp-idle");
        File.WriteAllText(Path.Combine(proc, "net", file), content);
        _box.Env["HOST_PROC"] = proc;
        var r = _box.Run("check-ddos-udp", "-w", "1");
        r.Exit.Should().Be(3);
        r.Lines.Should().ContainSingle().Which.Should().StartWith("UNKNOWN: check-ddos-udp: ").And.Contain(message);
    }

    [Theory]
    [InlineData]
    [InlineData("-w", "-1")]
    [InlineData("-c", "lots")]
    [InlineData("--noports-warning")]
    public void Fix_usage_errors_are_UNKNOWN_in_one_line(params string[] args)
    {
        var r = _box.Run("check-ddos-udp", args);
        r.Exit.Should().Be(3);
        r.Lines.Should().ContainSingle().Which.Should().StartWith("UNKNOWN: check-ddos-udp: ");
    }

    [Fact]
    public void Works_as_an_inner_command_of_delay_checker()
    {
        var proc = _box.CopyFixture("udp-idle");
        _box.Env["HOST_PROC"] = proc;
        _box.Run("delay-checker", "-c", "2", "--", "check-ddos-udp", "-c", "10").Exit.Should().Be(0);
        Load(proc, "udp-flood");
        Thread.Sleep(1100);
        var first = _box.Run("delay-checker", "-c", "2", "--", "check-ddos-udp", "-c", "10");
        first.Stdout.Should().StartWith("DelayWarn(1/2): CRITICAL: receive errors ");
    }

    [Theory]
    [InlineData("0100007F:A47C", "127.0.0.1:42108")]
    [InlineData("00000000:0035", "0.0.0.0:53")]
    [InlineData("00000000000000000000000001000000:C0DF", "[::1]:49375")]
    [InlineData("0000000000000000FFFF00000100007F:0035", "[::ffff:127.0.0.1]:53")]
    public void Socket_addresses_are_decoded(string hex, string text) => CheckDdosUdp.DecodeAddress(hex).Should().Be(text);

    [Fact]
    public void Parses_the_real_files()
    {
        var counters = CheckDdosUdp.Read(Support.Fixtures.Root("udp-flood") is var root ? new MetaCheck.Checks.Framework.HostPaths(Path.Combine(root, "proc"), "", "") : null!);
        counters.Should().Be(new UdpCounters(1679 + 39, 365 + 33, 499, 499, 499, "127.0.0.1:42108", 499));
    }
}

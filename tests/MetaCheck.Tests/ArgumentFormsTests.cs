using MetaCheck.Tests.Support;

namespace MetaCheck.Tests;

/// <summary>
/// The argument forms each original's parser accepted, run through the installed binary: attached values,
/// clustered flags, prefixes, repeats (last wins), permuted options and trailing junk (ignored with one
/// stderr line). Each expected output depends on the option's value, so a form parsed wrongly shows.
/// </summary>
public sealed class ArgumentFormsTests : IDisposable
{
    private readonly Sandbox _box = new();

    public void Dispose() => _box.Dispose();

    private const string BusyConntrack = "CRITICAL: free nf_conntrack < 100 | free:44 max:262144 count:262100\n";
    private const string YoungHost = "WARNING: uptime is less than 600 | up 0 days,  0:05\n";
    private const string VirtmemCritical = " CRITICAL: [CRIT] VirtMem Usage:92.500000 %\n";
    private const string VirtmemWarning = " WARNING: [WARN] VirtMem Usage:92.500000 %\n";
    private const string VmLines = "vm.CommittedAS\t2473000960\t*\nvm.CommitLimit\t12638253056\t*\n";
    private const string DefaultVmLines = "VirtualMemory.CommittedAS\t2473000960\t*\nVirtualMemory.CommitLimit\t12638253056\t*\n";

    /// <summary>fixture, command, arguments, exit, stdout (wildcards: *), stderr.</summary>
    public static TheoryData<string, string, string[], int, string, string> Forms() => new()
    {
        // Getopt::Long, script went on after a bad option (check-conntrack-free, check-uptime)
        { "conntrack-busy", "check-conntrack-free", ["--w=1000", "--c=100"], 2, BusyConntrack, "" },
        { "conntrack-busy", "check-conntrack-free", ["-w", "1000", "-c", "5", "-c", "100"], 2, BusyConntrack, "" },
        { "conntrack-busy", "check-conntrack-free", ["junk", "-w", "1000", "-c", "100"], 2, BusyConntrack, "check-conntrack-free: ignored 'junk'\n" },
        { "conntrack-busy", "check-conntrack-free", ["-w", "1000", "-c", "100", "--bogus"], 2, BusyConntrack, "check-conntrack-free: ignored unknown option '--bogus'\n" },
        { "uptime-5min", "check-uptime", ["-w=600", "--c", "60"], 1, YoungHost, "" },
        { "uptime-5min", "check-uptime", ["-w", "600", "-c60"], 1, YoungHost, "check-uptime: ignored unknown option '-c60'\n" },
        // Getopt::Long, script stopped on a bad option: prefixes, and an IPv4 literal needs no DNS
        { "linux-6.18", "check-resolver", ["--ho", "192.0.2.7", "-w", "300", "-c", "300"], 0, "OK: elapsed_time * sec (192.0.2.7 IN A 192.0.2.7)\n", "" },
        { "linux-6.18", "check-resolver", ["extra", "--host=192.0.2.7"], 0, "OK: elapsed_time * sec (192.0.2.7 IN A 192.0.2.7)\n", "check-resolver: ignored 'extra'\n" },
        { "linux-6.18", "check-resolver", ["--host", "192.0.2.7", "-x"], 3, "UNKNOWN: check-resolver: unknown option '-x' (see check-resolver --help)\n", "" },
        // The original read no arguments
        { "linux-6.18", "mackerel-plugin-linux-virt-mem", ["-metric-key-prefix=vm"], 0, VmLines, "" },
        // go-flags: attached, clustered none here, repeated, permuted, junk after --
        { "linux-2.6.32", "check-virtmem", ["-w80", "-c92.4"], 2, VirtmemCritical, "" },
        { "linux-2.6.32", "check-virtmem", ["-w=80", "--critical-pct", "99", "-c", "92.4"], 2, VirtmemCritical, "" },
        { "linux-2.6.32", "check-virtmem", ["junk", "-c", "1e2", "--", "-c", "1"], 1, VirtmemWarning, "check-virtmem: ignored 'junk', '-c', '1'\n" },
        { "linux-2.6.32", "check-virtmem", ["-w", "inf", "-c", "inf"], 0, " OK: OK\n", "" },
        { "linux-2.6.32", "check-virtmem", ["-w", " 5"], 3, "UNKNOWN: check-virtmem: --warning-pct takes a percentage (90, 92.5, 1e2, or inf for never) or a range (10:, ~:10, 10:20, @10:20), got ' 5' (see check-virtmem --help)\n", "" },
        { "linux-2.6.32", "check-virtmem", ["--warn", "80"], 3, "UNKNOWN: check-virtmem: unknown option '--warn' (see check-virtmem --help)\n", "" },
        // Go's flag: stops at the first non-flag; -name value; booleans only -name[=bool]
        { "linux-6.18", "mackerel-plugin-linux-virt-mem", ["--metric-key-prefix", "x", "-metric-key-prefix", "vm"], 0, VmLines, "" },
        { "linux-6.18", "mackerel-plugin-linux-virt-mem", ["stop", "-metric-key-prefix", "vm"], 0, DefaultVmLines, "mackerel-plugin-linux-virt-mem: ignored 'stop', '-metric-key-prefix', 'vm'\n" },
        { "linux-6.18", "mackerel-plugin-linux-virt-mem", ["-metric"], 3, "UNKNOWN: mackerel-plugin-linux-virt-mem: unknown option '-metric' (see mackerel-plugin-linux-virt-mem --help)\n", "" },
        { "linux-6.18", "mackerel-plugin-sslhandshake-time", ["-x"], 3, "UNKNOWN: mackerel-plugin-sslhandshake-time: unknown option '-x' (see mackerel-plugin-sslhandshake-time --help)\n", "" },
        { "linux-6.18", "mackerel-plugin-sslhandshake-time", ["--bogus", "https://x/"], 3, "UNKNOWN: mackerel-plugin-sslhandshake-time: unknown option '--bogus' (see mackerel-plugin-sslhandshake-time --help)\n", "" },
        // More Getopt::Long: a prefix and a repeat; the script went on after --bogus
        { "linux-6.18", "check-crt-expiration", ["--f=/nonexistent/x.pem", "-w", "1", "-w", "2", "--bogus"], 3, "UNKNOWN: check-crt-expiration: cannot read /nonexistent/x.pem: no such file\n", "check-crt-expiration: ignored unknown option '--bogus'\n" },
        { "linux-6.18", "mackerel-plugin-linux-lite", ["junk"], 0, "linux-lite.memory.avail\t25729744896\t*", "mackerel-plugin-linux-lite: ignored 'junk'\n" },
        { "linux-6.18", "mackerel-plugin-linux-meminfo", ["--junk"], 0, "meminfo.usage.MemTotal\t25276510208\t*", "mackerel-plugin-linux-meminfo: ignored unknown option '--junk'\n" },
        // More go-flags: options the originals accepted, attached values, junk before an option
        { "linux-6.18", "mackerel-plugin-dns-lookup", ["--verbose", "--debug", "--version", "-dexample.com"], 0, "mackerel-plugin-dns-lookup (metacheck) *\n", "" },
        { "linux-6.18", "mackerel-low-usage-police", ["--version", "-r", "app"], 3, "UNKNOWN: mackerel-low-usage-police: --service is required, e.g. -s web (see mackerel-low-usage-police --help)\n", "" },
        { "linux-6.18", "check-mysql-backup", ["junk", "--dir=/nonexistent", "-w26h", "-c", "50h", "-c", "51h"], 3, "UNKNOWN: check-mysql-backup: cannot read the backup directory /nonexistent: no such directory\n", "check-mysql-backup: ignored 'junk'\n" },
        { "linux-6.18", "mackerel-plugin-axslog-light", ["--logfile=/nonexistent/a.log", "--key-prefix", "x", "--", "y"], 3, "UNKNOWN: mackerel-plugin-axslog-light: cannot read /nonexistent/a.log: no such file\n", "mackerel-plugin-axslog-light: ignored 'y'\n" },
        { "linux-6.18", "check-tcp", ["-p", "1", "-x"], 3, "UNKNOWN: check-tcp: unknown option '-x' (see check-tcp --help)\n", "" },
        { "linux-6.18", "mackerel-plugin-sslhandshake-time", ["-prefix", "p"], 3, "UNKNOWN: mackerel-plugin-sslhandshake-time: give the URL to time, e.g. https://www.example.com/ (see mackerel-plugin-sslhandshake-time --help)\n", "" },
    };

    [Theory]
    [MemberData(nameof(Forms))]
    public void Each_original_form_parses_as_the_original_did(string fixture, string command, string[] args, int exit, string stdout, string stderr)
    {
        _box.Env["MACKEREL_PLUGIN_WORKDIR"] = _box.PathOf("work");
        var r = _box.RunOn(fixture, command, args);
        r.Exit.Should().Be(exit, r.ToString());
        r.Stdout.Should().Match(stdout, r.ToString());
        r.Stderr.Should().Be(stderr, r.ToString());
    }

    [Fact]
    public void Go_flag_booleans_take_no_separate_value_extend_false_means_extend()
    {
        _box.Env["MACKEREL_AGENT_PLUGIN_META"] = "1";
        var extended = _box.RunOn("linux-6.18", "mackerel-plugin-linux-netstat", "-extend", "false");
        extended.Stdout.Should().Contain("netstat.tcp.timewait");
        extended.Stderr.Should().Be("mackerel-plugin-linux-netstat: ignored 'false'\n");
        var off = _box.RunOn("linux-6.18", "mackerel-plugin-linux-netstat", "-extend=f");
        off.Stdout.Should().NotContain("netstat.tcp.timewait");
        (off.Exit, off.Stderr).Should().Be((0, ""));
        _box.RunOn("linux-6.18", "mackerel-plugin-linux-netstat", "--extend=maybe").Exit.Should().Be(3);
    }

    [Fact]
    public void Go_flags_attached_and_clustered_short_options_of_check_tcp()
    {
        using var closed = Loopback.ClosedPort(out int port);
        var refused = $"connect to 127.0.0.1:{port}: connection refused";
        var plain = _box.Run("check-tcp", $"-H127.0.0.1", $"-p{port}", "-t2");
        (plain.Exit, plain.Stdout).Should().Be((2, $"TCP CRITICAL: {refused}\n"));
        var clustered = _box.Run("check-tcp", "-H", "127.0.0.1", "-p", "1", $"--port={port}", "-EW", "-t", "1e0");
        (clustered.Exit, clustered.Stdout).Should().Be((1, $"TCP WARNING: {refused}\n"), "-EW is -E -W; -t 1e0 is one second, as Go's ParseFloat read it");
        var closedExpected = _box.Run("check-tcp", "junk", $"-p={port}", "-C", "-H127.0.0.1");
        closedExpected.Exit.Should().Be(0, closedExpected.ToString());
        closedExpected.Stderr.Should().Be("check-tcp: ignored 'junk'\n");
    }

    [Fact]
    public void A_wrapper_option_after_the_command_is_the_wrappers_as_in_the_original()
    {
        // The example: `interval-checker cmd --interval 60` caches for 60 s (the port used to run with 1 s).
        string[] inner = ["date", "+%s%N"];
        var first = _box.Run("interval-checker", [.. inner, "--interval", "60"]);
        first.Exit.Should().Be(0, first.ToString());
        Thread.Sleep(1200);
        var second = _box.Run("interval-checker", [.. inner, "--int", "60"]);
        second.Stdout.Should().Be(first.Stdout, "the result is replayed: --interval was the wrapper's, not the command's");
    }

    [Fact]
    public void Delay_checker_takes_c_wherever_it_stands_before_the_double_dash()
    {
        _box.Run("delay-checker", "false", "-c", "3").Stdout.Should().Be("DelayWarn(1/3): \n");
        _box.Run("delay-checker", "--c=3", "false").Stdout.Should().Be("DelayWarn(2/3): \n");
        _box.Run("delay-checker", "-c", "9", "-c", "3", "--", "false").Stdout.Should().Be("DelayNG(3/3): \n");
        var bad = _box.Run("delay-checker", "-x", "--", "false");
        (bad.Exit, bad.Stdout).Should().Be((3, "UNKNOWN: delay-checker: unknown option '-x' (see delay-checker --help)\n"), "the original stopped on it");
    }

    [Fact]
    public void Periodic_checker_goes_on_after_an_unknown_option_as_the_original_did()
    {
        var r = _box.Run("periodic-checker", "--bogus", "-r", "00:00-24:00", "--", "echo", "ran");
        (r.Exit, r.Stdout, r.Stderr).Should().Be((0, "ran\n", "periodic-checker: ignored unknown option '--bogus'\n"));
        // Getopt::Long warned that --ranges requires an argument; the script went on with its default window.
        r = _box.Run("periodic-checker", "echo", "ran", "--ranges");
        (r.Exit, r.Stdout, r.Stderr).Should().Be((0, "ran\n", "periodic-checker: ignored option '--ranges' without its value\n"));
    }

    [Fact]
    public void A_leading_plus_on_a_number_is_taken_as_Getopt_Long_took_it()
    {
        string[] check = ["--interval=+60", "--", "sh", "-c", "date +%s.%N"];
        var first = _box.Run("interval-checker", check);
        (first.Exit, first.Stderr).Should().Be((0, ""), first.ToString());
        _box.Run("interval-checker", check).Stdout.Should().Be(first.Stdout, "the second run replays the first");
        _box.Run("delay-checker", "-c=+2", "--timeout", "+5", "--", "false").Stdout.Should().Be("DelayWarn(1/2): \n");
    }
}

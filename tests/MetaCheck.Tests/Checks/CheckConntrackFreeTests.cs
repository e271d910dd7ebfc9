using MetaCheck.Checks.CheckConntrackFree;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests.Checks;

public sealed class CheckConntrackFreeTests : IDisposable
{
    private readonly Sandbox _box = new();

    public void Dispose() => _box.Dispose();

    [Theory]
    [InlineData(262144, 0, 10, null, Status.Ok, "OK: free:262144 max:262144 count:0")]
    [InlineData(262144, 0, 300000, null, Status.Warning, "WARNING: free nf_conntrack < 300000 | free:262144 max:262144 count:0")]
    [InlineData(262144, 0, null, 262144, Status.Ok, "OK: free:262144 max:262144 count:0")]
    [InlineData(262144, 1, null, 262144, Status.Critical, "CRITICAL: free nf_conntrack < 262144 | free:262143 max:262144 count:1")]
    [InlineData(65536, 65000, 1000, 500, Status.Warning, "WARNING: free nf_conntrack < 1000 | free:536 max:65536 count:65000")]
    [InlineData(65536, 65100, 1000, 500, Status.Critical, "CRITICAL: free nf_conntrack < 500 | free:436 max:65536 count:65100")]
    public void Thresholds_are_strictly_less_than_and_critical_wins(long max, long count, int? w, int? c, Status status, string text)
    {
        var result = CheckConntrackFree.Evaluate(max, count, w is { } ww ? ThresholdRange.Below(ww) : null, c is { } cc ? ThresholdRange.Below(cc) : null);
        (result.Status, result.Text).Should().Be((status, text));
    }

    [Theory]
    [InlineData("1000:", "10:", Status.Warning, "WARNING: free nf_conntrack 536 is outside 1000: | free:536 max:65536 count:65000")]
    [InlineData("~:100", "~:500", Status.Critical, "CRITICAL: free nf_conntrack 536 is outside ~:500 | free:536 max:65536 count:65000")]
    [InlineData("@0:536", "@0:100", Status.Warning, "WARNING: free nf_conntrack 536 is within 0:536 | free:536 max:65536 count:65000")] // ends included
    [InlineData("@0:535", "@600:700", Status.Ok, "OK: free:536 max:65536 count:65000")]
    [InlineData("600", "10:20", Status.Critical, "CRITICAL: free nf_conntrack 536 is outside 10:20 | free:536 max:65536 count:65000")]
    public void Ranges_alert_as_the_guidelines_say(string w, string c, Status status, string text)
    {
        var warning = Ranges.Parse(w);
        var critical = Ranges.Parse(c);
        var result = CheckConntrackFree.Evaluate(65536, 65000, warning, critical);
        (result.Status, result.Text).Should().Be((status, text));
    }

    [Fact]
    public void Perfdata_mode_gives_free_and_used_slots_with_the_applied_thresholds()
    {
        var r = _box.RunOn("conntrack-busy", "check-conntrack-free", "-w", "1000", "-c", "100", "--perfdata");
        (r.Exit, r.Stdout).Should().Be((2, "CRITICAL: free nf_conntrack < 100 - free:44 max:262144 count:262100 | free=44;1000:;100:;;262144 count=262100;;;0;262144\n"));
        _box.Env["METACHECK_PERFDATA"] = "1";
        r = _box.RunOn("conntrack-idle", "check-conntrack-free", "-w", "@0:1000");
        (r.Exit, r.Stdout).Should().Be((0, "OK: free:262144 max:262144 count:0 | free=262144;@0:1000;;;262144 count=0;;;0;262144\n"));
        r = _box.RunOn("conntrack-busy", "check-conntrack-free", "-w", "1:2", "-c", "10");
        (r.Exit, r.Stdout).Should().Be((1, "WARNING: free nf_conntrack 44 is outside 1:2 - free:44 max:262144 count:262100 | free=44;1:2;10:;;262144 count=262100;;;0;262144\n"));
    }

    [Theory]
    [InlineData("10:5")]
    [InlineData("@")]
    [InlineData("-1")]
    [InlineData("2147483648")]
    public void Fix_a_bad_threshold_is_a_usage_error_naming_both_forms(string bad)
    {
        var r = _box.RunOn("conntrack-idle", "check-conntrack-free", "-c", bad);
        (r.Exit, r.Stdout).Should().Be((3, $"UNKNOWN: check-conntrack-free: -c takes a whole number from 0 to 2147483647 or a range (10:, ~:10, 10:20, @10:20), got '{bad}' (see check-conntrack-free --help)\n"));
    }

    [Fact]
    public void Reads_the_proc_files_of_an_idle_fixture_host()
    {
        var r = _box.RunOn("conntrack-idle", "check-conntrack-free", "-w", "10");
        (r.Exit, r.Stdout).Should().Be((0, "OK: free:262144 max:262144 count:0\n"));
        r = _box.RunOn("conntrack-idle", "check-conntrack-free", "--w=300000");
        (r.Exit, r.Stdout).Should().Be((1, "WARNING: free nf_conntrack < 300000 | free:262144 max:262144 count:0\n"));
    }

    [Fact]
    public void A_nearly_full_table_is_critical()
    {
        var r = _box.RunOn("conntrack-busy", "check-conntrack-free", "-w", "1000", "-c", "100");
        (r.Exit, r.Stdout).Should().Be((2, "CRITICAL: free nf_conntrack < 100 | free:44 max:262144 count:262100\n"));
    }

    [Fact]
    public void Smoke_on_this_machine()
    {
        var r = _box.Run("check-conntrack-free", "-c", "0");
        if (File.Exists("/proc/sys/net/netfilter/nf_conntrack_max"))
        {
            r.Exit.Should().Be(0, r.ToString());
            r.Stdout.Should().MatchRegex(@"^OK: free:-?\d+ max:\d+ count:\d+\n$");
        }
        else
        {
            (r.Exit, r.Stdout).Should().Be((3,
                "UNKNOWN: check-conntrack-free: cannot read /proc/sys/net/netfilter/nf_conntrack_max: no such file (is the nf_conntrack module loaded?)\n"));
        }
    }

    [Fact]
    public void Fix_a_missing_proc_file_is_UNKNOWN_naming_the_file()
    {
        _box.Env["HOST_PROC"] = _box.PathOf("no-proc");
        var r = _box.Run("check-conntrack-free", "-w", "1");
        (r.Exit, r.Stdout).Should().Be((3,
            $"UNKNOWN: check-conntrack-free: cannot read {_box.PathOf("no-proc")}/sys/net/netfilter/nf_conntrack_max: no such file (is the nf_conntrack module loaded?)\n"));
    }

    [Fact]
    public void Fix_an_unparsable_counter_is_UNKNOWN()
    {
        var dir = Directory.CreateDirectory(_box.PathOf("proc/sys/net/netfilter")).FullName;
        File.WriteAllText(Path.Combine(dir, "nf_conntrack_max"), "262144\n");
        File.WriteAllText(Path.Combine(dir, "nf_conntrack_count"), "lots\n");
        _box.Env["HOST_PROC"] = _box.PathOf("proc");
        var r = _box.Run("check-conntrack-free", "-w", "1");
        (r.Exit, r.Stdout).Should().Be((3, $"UNKNOWN: check-conntrack-free: cannot parse {dir}/nf_conntrack_count: expected a whole number, got 'lots'\n"));
    }

    [Fact]
    public void Fix_a_counter_file_of_several_lines_is_still_a_one_line_UNKNOWN()
    {
        var dir = Directory.CreateDirectory(_box.PathOf("proc/sys/net/netfilter")).FullName;
        File.WriteAllText(Path.Combine(dir, "nf_conntrack_max"), "12\n34\n");
        File.WriteAllText(Path.Combine(dir, "nf_conntrack_count"), "5\n");
        _box.Env["HOST_PROC"] = _box.PathOf("proc");
        var r = _box.Run("check-conntrack-free", "-w", "1");
        (r.Exit, r.Stdout).Should().Be((3, $"UNKNOWN: check-conntrack-free: cannot parse {dir}/nf_conntrack_max: expected a whole number, got '12\\x0a34'\n"));
    }

    [Theory]
    [InlineData]
    [InlineData("-w", "ten")]
    [InlineData("-c3")]
    public void Fix_usage_errors_are_UNKNOWN(params string[] args)
    {
        var r = _box.RunOn("conntrack-idle", "check-conntrack-free", args);
        r.Exit.Should().Be(3);
        r.Lines.Should().HaveCount(1);
        r.Stdout.Should().StartWith("UNKNOWN: check-conntrack-free: ");
    }

    [Fact]
    public void Works_as_an_inner_command_of_delay_checker()
    {
        _box.Env["HOST_PROC"] = Path.Combine(Fixtures.Root("conntrack-busy"), "proc");
        _box.Run("delay-checker", "-c", "2", "--", "check-conntrack-free", "-c", "100").Stdout
            .Should().Be("DelayWarn(1/2): CRITICAL: free nf_conntrack < 100 | free:44 max:262144 count:262100\n");
        var alert = _box.Run("delay-checker", "-c", "2", "--", "check-conntrack-free", "-c", "100");
        (alert.Exit, alert.Stdout).Should().Be((2, "DelayNG(2/2): CRITICAL: free nf_conntrack < 100 | free:44 max:262144 count:262100\n"));
    }
}

using MetaCheck.Checks.CheckVirtmem;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests.Checks;

public sealed class CheckVirtmemTests : IDisposable
{
    private readonly Sandbox _box = new();

    public void Dispose() => _box.Dispose();

    [Theory]
    [InlineData(925, 1000, Status.Warning, " WARNING: [WARN] VirtMem Usage:92.500000 %")]
    [InlineData(960, 1000, Status.Critical, " CRITICAL: [CRIT] VirtMem Usage:96.000000 %")]
    [InlineData(900, 1000, Status.Ok, " OK: OK")]                 // strictly greater than
    [InlineData(950, 1000, Status.Warning, " WARNING: [WARN] VirtMem Usage:95.000000 %")]
    [InlineData(1500, 1000, Status.Critical, " CRITICAL: [CRIT] VirtMem Usage:150.000000 %")]
    [InlineData(1, 0, Status.Critical, " CRITICAL: [CRIT] VirtMem Usage:+Inf %")]
    [InlineData(0, 0, Status.Ok, " OK: OK")]
    public void Thresholds_are_strict_and_critical_wins(double committedAs, double commitLimit, Status status, string text)
    {
        var result = CheckVirtmem.Evaluate(committedAs, commitLimit, ThresholdRange.Above(90), ThresholdRange.Above(95));
        (result.Status, result.Text).Should().Be((status, text));
    }

    [Theory]
    [InlineData("~:92", "~:99", Status.Warning, " WARNING: [WARN] VirtMem Usage:92.500000 % is outside ~:92")]
    [InlineData("0:", "93:", Status.Critical, " CRITICAL: [CRIT] VirtMem Usage:92.500000 % is outside 93:")]
    [InlineData("10:20", "@90:92.5", Status.Critical, " CRITICAL: [CRIT] VirtMem Usage:92.500000 % is within 90:92.5")] // ends included
    [InlineData("@92.6:100", "~:95", Status.Ok, " OK: OK")]
    [InlineData("93", "95", Status.Ok, " OK: OK")]                                                                      // the guidelines' 0:93
    public void Ranges_alert_as_the_guidelines_say(string w, string c, Status status, string text)
    {
        var warning = Ranges.Parse(w);
        var critical = Ranges.Parse(c);
        var result = CheckVirtmem.Evaluate(925, 1000, warning, critical);
        (result.Status, result.Text).Should().Be((status, text));
    }

    [Fact]
    public void Perfdata_mode_gives_the_percentage_with_the_applied_thresholds_and_both_fields_in_bytes()
    {
        const string Bytes = "committed_as=4758732800B;;;0 commit_limit=5144576000B;;;0";
        var r = _box.RunOn("linux-2.6.32", "check-virtmem", "--perfdata");
        (r.Exit, r.Stdout).Should().Be((1, $" WARNING: [WARN] VirtMem Usage:92.500000 % | usage=92.5%;~:90;~:95;0 {Bytes}\n"));
        _box.Env["METACHECK_PERFDATA"] = "1";
        r = _box.RunOn("linux-2.6.32", "check-virtmem", "-w", "@90:95", "-c=-inf");
        (r.Exit, r.Stdout).Should().Be((2, $" CRITICAL: [CRIT] VirtMem Usage:92.500000 % | usage=92.5%;@90:95;@~:;0 {Bytes}\n"), "-inf alerts always, written as @~:");
        r = _box.RunOn("linux-2.6.32", "check-virtmem", "-w", "inf", "-c", "inf");
        (r.Exit, r.Stdout).Should().Be((0, $" OK: OK | usage=92.5%;~:;~:;0 {Bytes}\n"), "inf never alerts");
    }

    [Fact]
    public void Perfdata_mode_leaves_out_a_percentage_of_a_zero_commit_limit()
    {
        Directory.CreateDirectory(_box.PathOf("proc"));
        File.WriteAllText(_box.PathOf("proc/meminfo"), "CommitLimit: 0 kB\nCommitted_AS: 10 kB\n");
        _box.Env["HOST_PROC"] = _box.PathOf("proc");
        var r = _box.Run("check-virtmem", "--perfdata");
        (r.Exit, r.Stdout).Should().Be((2, " CRITICAL: [CRIT] VirtMem Usage:+Inf % | committed_as=10240B;;;0 commit_limit=0B;;;0\n"));
    }

    [Fact]
    public void Verbose_adds_the_two_meminfo_fields()
    {
        var r = _box.RunOn("linux-2.6.32", "check-virtmem", "-v", "-w", "95");
        (r.Exit, r.Stdout).Should().Be((0, $" OK: OK\nCommitted_AS 4647200 kB of CommitLimit 5024000 kB ({Path.Combine(Fixtures.Root("linux-2.6.32"), "proc")}/meminfo)\n"));
    }

    [Fact]
    public void Usage_is_committed_over_limit() => CheckVirtmem.Usage(4647200, 5024000).Should().BeApproximately(92.5, 1e-9);

    [Fact]
    public void Old_kernel_fixture_is_a_warning()
    {
        var r = _box.RunOn("linux-2.6.32", "check-virtmem");
        (r.Exit, r.Stdout).Should().Be((1, " WARNING: [WARN] VirtMem Usage:92.500000 %\n"));
    }

    [Fact]
    public void Thresholds_from_the_command_line_and_the_old_name()
    {
        var r = _box.RunOn("linux-2.6.32", "go-check-virtmem", "-w", "80", "--critical-pct=92.4");
        (r.Exit, r.Stdout).Should().Be((2, " CRITICAL: [CRIT] VirtMem Usage:92.500000 %\n"));
    }

    [Fact]
    public void Current_kernel_fixture_is_ok()
    {
        var r = _box.RunOn("linux-6.18", "check-virtmem");
        (r.Exit, r.Stdout).Should().Be((0, " OK: OK\n"));
    }

    [Fact]
    public void Fix_a_missing_meminfo_is_UNKNOWN_not_a_silent_exit_1()
    {
        _box.Env["HOST_PROC"] = _box.PathOf("nowhere");
        var r = _box.Run("check-virtmem");
        (r.Exit, r.Stdout).Should().Be((3, $"UNKNOWN: check-virtmem: cannot read {_box.PathOf("nowhere")}/meminfo: no such file\n"));
    }

    [Fact]
    public void Fix_a_meminfo_without_CommitLimit_is_UNKNOWN()
    {
        Directory.CreateDirectory(_box.PathOf("proc"));
        File.WriteAllText(_box.PathOf("proc/meminfo"), "MemTotal: 100 kB\nCommitted_AS: 10 kB\n");
        _box.Env["HOST_PROC"] = _box.PathOf("proc");
        var r = _box.Run("check-virtmem");
        (r.Exit, r.Stdout).Should().Be((3, $"UNKNOWN: check-virtmem: {_box.PathOf("proc")}/meminfo has no CommitLimit line\n"));
    }

    [Fact]
    public void Fix_a_bad_threshold_is_a_usage_error()
    {
        var r = _box.Run("check-virtmem", "-w", "lots");
        r.Exit.Should().Be(3);
        r.Stdout.Should().StartWith("UNKNOWN: check-virtmem: --warning-pct takes a percentage (90, 92.5, 1e2, or inf for never) or a range (10:, ~:10, 10:20, @10:20), got 'lots'");
    }

    [Fact]
    public void Smoke_on_this_machine()
    {
        var r = _box.Run("check-virtmem", "-w", "1000", "-c", "1000");
        (r.Exit, r.Stdout).Should().Be((0, " OK: OK\n"));
    }

    [Fact]
    public void Works_as_an_inner_command_of_delay_checker()
    {
        string[] args = ["-c", "2", "--", "check-virtmem", "-w", "0", "-c", "0"];
        _box.Env["HOST_PROC"] = Path.Combine(Fixtures.Root("linux-2.6.32"), "proc");
        _box.Run("delay-checker", args).Stdout.Should().StartWith("DelayWarn(1/2):  CRITICAL: [CRIT] VirtMem Usage:92.500000 %");
        var alert = _box.Run("delay-checker", args);
        alert.Exit.Should().Be(2);
        alert.Stdout.Should().StartWith("DelayNG(2/2):  CRITICAL: [CRIT] VirtMem Usage:92.500000 %");
    }
}

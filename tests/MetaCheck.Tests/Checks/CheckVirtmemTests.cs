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
    [InlineData(92.5, Status.Warning, " WARNING: [WARN] VirtMem Usage:92.500000 %")]
    [InlineData(96.0, Status.Critical, " CRITICAL: [CRIT] VirtMem Usage:96.000000 %")]
    [InlineData(90.0, Status.Ok, " OK: OK")]                 // strictly greater than
    [InlineData(95.0, Status.Warning, " WARNING: [WARN] VirtMem Usage:95.000000 %")]
    [InlineData(150.0, Status.Critical, " CRITICAL: [CRIT] VirtMem Usage:150.000000 %")]
    [InlineData(double.PositiveInfinity, Status.Critical, " CRITICAL: [CRIT] VirtMem Usage:+Inf %")]
    [InlineData(double.NaN, Status.Ok, " OK: OK")]
    public void Thresholds_are_strict_and_critical_wins(double usage, Status status, string text) =>
        CheckVirtmem.Evaluate(usage, 90, 95).Should().Be(new CheckResult(status, text));

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
        r.Stdout.Should().StartWith("UNKNOWN: check-virtmem: --warning-pct takes a percentage (90, 92.5, 1e2, or inf for never), got 'lots'");
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

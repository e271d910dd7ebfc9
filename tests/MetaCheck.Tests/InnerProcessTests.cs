using System.Diagnostics;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests;

/// <summary>How wrappers run the inner command: timeouts, signals, output bounds, composition.</summary>
public sealed class InnerProcessTests : IDisposable
{
    private readonly Sandbox _box = new();
    private readonly ProcessMarkers _markers = new();

    public void Dispose()
    {
        _markers.Dispose();
        _box.Dispose();
    }

    private static bool Alive(int pid) => File.Exists($"/proc/{pid}/stat") &&
        !File.ReadAllText($"/proc/{pid}/stat").Split(") ")[1].StartsWith('Z');

    private static void WaitUntil(Func<bool> condition, string what) => Patience.Until(condition).Should().BeTrue(what);

    [Theory]
    [InlineData("delay-checker")]
    [InlineData("interval-checker")]
    [InlineData("periodic-checker")]
    public void Timeout_kills_the_whole_inner_process_tree_and_reports_UNKNOWN(string wrapper)
    {
        var childPid = _box.PathOf("child.pid");
        var r = _box.Run(wrapper, "--timeout", "1", "--", Installed.Dummy, "out=partial", $"child={childPid}", "sleep=60");
        r.Elapsed.Should().BeLessThan(Patience.Bound, "the timeout ends the run, not the 60 s sleep");
        r.Exit.Should().Be(3);
        r.Stdout.Should().EndWith($"partial\nUNKNOWN: {Installed.Dummy} out=partial child={childPid} sleep=60 timed out after 1 s and was killed\n");
        var pid = int.Parse(File.ReadAllText(childPid));
        WaitUntil(() => !Alive(pid), "the grandchild `sleep 300` is killed too");
    }

    [Fact]
    public void Timeout_status_chooses_the_reported_status()
    {
        var r = _box.Run("interval-checker", "--timeout", "0.5", "--timeout-status", "critical", "--", "sleep", "30");
        r.Exit.Should().Be(2);
        r.Stdout.Should().Be("CRITICAL: sleep 30 timed out after 0.5 s and was killed\n");
    }

    [Fact]
    public void A_timeout_counts_as_a_failure_for_delay_checker()
    {
        string[] args = ["-c", "2", "--timeout", "0.3", "--", "sleep", "30"];
        _box.Run("delay-checker", args).Stdout.Should().Be("DelayWarn(1/2): UNKNOWN: sleep 30 timed out after 0.3 s and was killed\n");
        _box.Run("delay-checker", args).Exit.Should().Be(3);
    }

    [Theory]
    [InlineData("delay-checker", "-c", "1")]
    [InlineData("interval-checker", "--interval", "1")]
    [InlineData("periodic-checker", "--ranges", "00:00-24:00")]
    public void Timeout_0_means_no_limit(string wrapper, string option, string value)
    {
        var r = _box.Run(wrapper, option, value, "--timeout", "0", "--", "sh", "-c", "sleep 0.3; echo fine");
        r.Exit.Should().Be(0, r.ToString());
        r.Stdout.Should().Be("fine\n");
    }

    [Fact]
    public void Without_timeout_a_hung_check_is_killed_at_the_default_before_the_agents_own_timeout()
    {
        var r = _box.Run("delay-checker", ["-c", "1", "--", "sleep", "300"], stdin: null, limit: TimeSpan.FromSeconds(120));
        r.Exit.Should().Be(3, r.ToString());
        r.Stdout.Should().Be("DelayNG(1/1): UNKNOWN: sleep 300 timed out after 25 s and was killed\n");
    }

    [Fact]
    public void SIGTERM_to_the_wrapper_kills_the_inner_tree_instead_of_orphaning_it()
    {
        var childPid = _box.PathOf("child.pid");
        using var wrapper = _box.Start("delay-checker", ["-c", "3", "--", Installed.Dummy, $"child={childPid}", "sleep=60"]);
        WaitUntil(() => File.Exists(childPid) && File.ReadAllText(childPid).Length > 0, "the inner command started");
        Process.Start("kill", ["-TERM", wrapper.Id.ToString()])!.WaitForExit();
        wrapper.WaitForExit(Patience.Bound).Should().BeTrue("the signal ends the run, not the 60 s sleep");
        wrapper.ExitCode.Should().Be(3);
        wrapper.StandardOutput.ReadToEnd().Should().Be(
            $"UNKNOWN: delay-checker was interrupted (SIGTERM); killed {Installed.Dummy} child={childPid} sleep=60\n");
        var pid = int.Parse(File.ReadAllText(childPid));
        WaitUntil(() => !Alive(pid), "the grandchild is killed");
        _box.Run("metacheck", "history", "--json", "dummy").Stdout.Should().Contain("\"outcome\": \"interrupted\"")
            .And.Contain("\"failed\": null", "an interruption says nothing about the checked service");
    }

    [Fact]
    public void Inner_stdout_is_bounded()
    {
        var r = _box.Run("interval-checker", "--", Installed.Dummy, "bytes=5000000");
        r.Exit.Should().Be(0);
        r.Stdout.Length.Should().Be(64 * 1024);
        r.Stderr.Should().Contain("cut at 65536 bytes");
    }

    [Fact]
    public void A_background_process_holding_stdout_does_not_hang_the_wrapper()
    {
        // The background sleep keeps the wrapper's capture pipe (its stdout) open for 600 s.
        var sleep = _markers.New();
        var r = _box.Run("delay-checker", "--", "sh", "-c", $"sleep {sleep} 2>/dev/null & echo started");
        r.Stdout.Should().Be("started\n");
        r.Elapsed.Should().BeLessThan(Patience.Bound, "the original waited for the background sleep");
    }

    [Fact]
    public void Wrappers_compose()
    {
        var count = _box.PathOf("count");
        string[] chain = ["--ranges", "00:00-24:00", "--", "delay-checker", "-c", "2", "--", "interval-checker", "--interval", "60",
            "--", Installed.Dummy, $"count={count}", "out=replica lag 30s", "exit=1"];
        var first = _box.Run("periodic-checker", chain);
        (first.Exit, first.Stdout).Should().Be((0, "DelayWarn(1/2): replica lag 30s\n"));
        var second = _box.Run("periodic-checker", chain);
        (second.Exit, second.Stdout).Should().Be((1, "DelayNG(2/2): replica lag 30s\n"));
        File.ReadAllLines(count).Should().HaveCount(2, "interval-checker does not replay failures");
        var status = _box.Run("metacheck", "status").Stdout;
        status.Should().Contain("periodic-checker").And.Contain("delay-checker").And.Contain("interval-checker");
    }

    [Fact]
    public void The_one_argument_shell_rule_of_the_original_is_kept()
    {
        _box.Run("delay-checker", "--", "echo a | tr a b; exit 3").Should().Match<CmdResult>(r => r.Stdout == "DelayNG(1/1): b\n" && r.Exit == 3);
        _box.Run("delay-checker", "--", "FOO=bar printenv FOO").Stdout.Should().Be("bar\n");
        _box.Run("delay-checker", "--", "echo hello   world").Stdout.Should().Be("hello world\n");
    }

    [Fact]
    public void A_file_in_the_working_directory_does_not_shadow_PATH()
    {
        var shadow = _box.PathOf("true");
        File.WriteAllText(shadow, "#!/bin/sh\necho shadowed; exit 2\n");
        File.SetUnixFileMode(shadow, (UnixFileMode)0x1ed);
        _box.Run("delay-checker", "--", "true").Should().Match<CmdResult>(r => r.Stdout == "\n" && r.Exit == 0);
    }
}

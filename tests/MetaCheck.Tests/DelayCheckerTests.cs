using MetaCheck.Tests.Support;

namespace MetaCheck.Tests;

/// <summary>kazeburo-plugins.md §2.1 "Observed runs", against the installed binary.</summary>
public sealed class DelayCheckerTests : IDisposable
{
    private readonly Sandbox _box = new();

    public void Dispose() => _box.Dispose();

    private CmdResult Delay(params string[] args) => _box.Run("delay-checker", args);

    [Fact]
    public void Success_prints_the_output_and_exits_0()
    {
        var r = Delay("-c", "3", "--", "true");
        r.Exit.Should().Be(0);
        r.Stdout.Should().Be("\n");
    }

    [Fact]
    public void Failures_are_reported_OK_until_the_threshold_then_passed_through_and_never_capped()
    {
        var runs = Enumerable.Range(0, 4).Select(_ => Delay("-c", "3", "--", "false")).ToList();
        runs.Select(r => r.Stdout).Should().Equal("DelayWarn(1/3): \n", "DelayWarn(2/3): \n", "DelayNG(3/3): \n", "DelayNG(4/3): \n");
        runs.Select(r => r.Exit).Should().Equal(0, 0, 1, 1);
    }

    [Fact]
    public void The_inner_output_follows_the_prefix_and_stderr_passes_through_every_time()
    {
        var runs = Enumerable.Range(0, 4).Select(_ => Delay("-c", "3", "--", "sh", "-c", "echo out; echo err >&2; exit 2")).ToList();
        runs.Select(r => r.Stdout).Should().Equal("DelayWarn(1/3): out\n", "DelayWarn(2/3): out\n", "DelayNG(3/3): out\n", "DelayNG(4/3): out\n");
        runs.Select(r => r.Exit).Should().Equal(0, 0, 2, 2);
        runs.Should().OnlyContain(r => r.Stderr == "err\n");
    }

    [Fact]
    public void One_success_resets_the_streak()
    {
        var flag = _box.PathOf("flag");
        string[] check = ["-c", "3", "--", "sh", "-c", $"test -e {flag} && echo good || {{ echo bad; exit 1; }}"];
        var first = Delay(check);
        var second = Delay(check);
        File.WriteAllText(flag, "");
        var third = Delay(check);
        File.Delete(flag);
        var fourth = Delay(check);
        new[] { first, second, third, fourth }.Select(r => r.Stdout)
            .Should().Equal("DelayWarn(1/3): bad\n", "DelayWarn(2/3): bad\n", "good\n", "DelayWarn(1/3): bad\n");
        new[] { first, second, third, fourth }.Should().OnlyContain(r => r.Exit == 0);
    }

    [Fact]
    public void Up_to_two_trailing_newlines_are_trimmed_and_one_added()
    {
        var r = Delay("--", "printf", "a\\nb\\n\\n\\n");
        r.Stdout.Should().Be("a\nb\n\n");
        r.Exit.Should().Be(0);
    }

    [Fact]
    public void Default_threshold_is_one()
    {
        var r = Delay("--", "false");
        r.Stdout.Should().Be("DelayNG(1/1): \n");
        r.Exit.Should().Be(1);
    }

    [Fact]
    public void Fix_a_missing_inner_command_is_UNKNOWN_with_a_clear_message_not_a_counted_exit_2()
    {
        var r = Delay("-c", "1", "--", "nosuchcmd");
        r.Exit.Should().Be(3);
        r.Stdout.Should().StartWith("UNKNOWN: cannot run 'nosuchcmd': not found in PATH");
        r.Lines.Should().HaveCount(1);
    }

    [Fact]
    public void Fix_a_non_executable_inner_command_is_UNKNOWN()
    {
        var script = _box.PathOf("not-executable.sh");
        File.WriteAllText(script, "#!/bin/sh\necho hi\n");
        var r = Delay("-c", "1", "--", script);
        r.Exit.Should().Be(3);
        r.Stdout.Should().Contain("permission denied");
    }

    [Fact]
    public void Fix_death_by_signal_is_a_failure_not_a_success()
    {
        var warn = Delay("-c", "2", "--", "sh", "-c", "echo before; kill -9 $$");
        warn.Exit.Should().Be(0);
        warn.Stdout.Should().Be("DelayWarn(1/2): before\nUNKNOWN: sh -c 'echo before; kill -9 $$' was killed by SIGKILL\n");
        var alert = Delay("-c", "2", "--", "sh", "-c", "echo before; kill -9 $$");
        alert.Exit.Should().Be(3);
        alert.Stdout.Should().StartWith("DelayNG(2/2): before\n");
    }

    [Theory]
    [InlineData(4)]   // just above the range: not masked or wrapped into 0-3
    [InlineData(255)]
    public void Fix_exit_codes_outside_0_to_3_are_reported_as_UNKNOWN(int code)
    {
        var r = Delay("-c", "1", "--", "sh", "-c", $"exit {code}");
        r.Stdout.Should().Be("DelayNG(1/1): \n");
        r.Exit.Should().Be(3);
    }

    [Theory]
    [InlineData("x")]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("")]
    [InlineData("99999999999999999999")]
    public void Fix_a_bad_count_is_UNKNOWN_with_one_line(string count)
    {
        var r = Delay("-c", count, "--", "true");
        r.Exit.Should().Be(3);
        r.Lines.Should().ContainSingle().Which.Should().StartWith("UNKNOWN: delay-checker: ");
        r.Stderr.Should().BeEmpty();
    }

    [Fact]
    public void Getopt_spellings_of_the_original_are_accepted()
    {
        Delay("--c", "2", "--", "false").Stdout.Should().Be("DelayWarn(1/2): \n");
        Delay("-c=2", "--", "false").Stdout.Should().Be("DelayNG(2/2): \n");
        Delay("-c", "2", "-identifier", "x", "--", "false").Stdout.Should().Be("DelayWarn(1/2): \n");
        Delay("-c", "2", "--id=x", "--", "false").Stdout.Should().Be("DelayNG(2/2): \n");
    }

    [Fact]
    public void Without_double_dash_words_that_are_not_our_options_are_the_command_in_order()
    {
        // Getopt::Long permutes: -c is ours wherever it stands before --; -x and -e are the command's.
        var r = Delay("sh", "-x", "-c", "2", "-e", "-c", "echo inner; exit 1");
        r.Stdout.Should().StartWith("UNKNOWN: delay-checker: -c takes a whole number", "the second -c is the wrapper's too, as in the original");
        r = Delay("-c", "2", "sh", "--", "-e", "-c", "echo inner; exit 1");
        r.Stdout.Should().Be("DelayWarn(1/2): inner\n");
    }

    [Fact]
    public void Fix_state_keys_separate_argv_elements_identifier_and_wrapper()
    {
        Delay("-c", "5", "--", "sh", "-c", "exit 1", "ab", "c").Stdout.Should().StartWith("DelayWarn(1/5)");
        Delay("-c", "5", "--", "sh", "-c", "exit 1", "a", "bc").Stdout.Should().StartWith("DelayWarn(1/5)");
        Delay("-c", "5", "--identifier", "x", "--", "false").Stdout.Should().StartWith("DelayWarn(1/5)");
        Delay("-c", "5", "--", "false").Stdout.Should().StartWith("DelayWarn(1/5)");
        _box.Run("interval-checker", "--", "false");
        Delay("-c", "5", "--", "false").Stdout.Should().StartWith("DelayWarn(2/5)");
    }

    [Fact]
    public void Within_alerts_when_N_of_the_last_M_runs_failed_and_a_success_reports_at_once()
    {
        var flag = _box.PathOf("ok");
        string[] check = ["-c", "3", "--within", "5", "--", "sh", "-c", $"test -e {flag} && echo up || {{ echo down; exit 2; }}"];
        var outputs = new List<(string, int)>();
        foreach (var ok in new[] { false, true, false, true, false, true })
        {
            if (ok) File.WriteAllText(flag, ""); else File.Delete(flag);
            var r = Delay(check);
            outputs.Add((r.Stdout, r.Exit));
        }
        outputs.Should().Equal(
            ("DelayWarn(1/3 in last 5): down\n", 0), ("up\n", 0),
            ("DelayWarn(2/3 in last 5): down\n", 0), ("up\n", 0),
            ("DelayNG(3/3 in last 5): down\n", 2), ("up\n", 0));
    }

    [Fact]
    public void Within_counts_only_stored_runs_that_say_something_about_the_service()
    {
        // The check is a link to check_dummy: removed, it cannot be launched (a run that says nothing
        // about the service, kept in history with no failed flag), then put back.
        var check = _box.PathOf("check");
        File.CreateSymbolicLink(check, Path.Combine(Installed.NagiosPlugins, "check_dummy"));
        string[] args = ["-c", "2", "--within", "2", "--", check, "2", "down"];
        var failing = Delay(args);
        File.Delete(check);
        var missing = Delay(args);
        File.CreateSymbolicLink(check, Path.Combine(Installed.NagiosPlugins, "check_dummy"));
        var failingAgain = Delay(args);

        (failing.Stdout, failing.Exit).Should().Be(("DelayWarn(1/2 in last 2): CRITICAL: down\n", 0));
        missing.Exit.Should().Be(3);
        missing.Stdout.Should().StartWith($"UNKNOWN: cannot run '{check}'");
        (failingAgain.Stdout, failingAgain.Exit).Should().Be(("DelayNG(2/2 in last 2): CRITICAL: down\n", 2),
            "the launch failure between the two failures is not one of the last 2 runs");
    }

    [Fact]
    public void Within_smaller_than_the_count_is_rejected()
    {
        var r = Delay("-c", "3", "--within", "2", "--", "false");
        r.Exit.Should().Be(3);
        r.Stdout.Should().Contain("--within 2 is less than -c 3");
    }

    [Fact]
    public void The_inner_command_does_not_read_the_wrappers_stdin()
    {
        // stdin is /dev/null (issue 10): under an agent the originals' stdin was empty too.
        var r = _box.Run("delay-checker", ["--", "cat"], stdin: "piped\n");
        r.Stdout.Should().Be("\n");
    }

    [Fact]
    public void Real_check_tcp_from_monitoring_plugins_is_delayed_then_alerts_and_recovers()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port.ToString();
        string[] check = ["-c", "2", "--", "check_tcp", "-H", "127.0.0.1", "-p", port];
        var up = Delay(check);
        up.Exit.Should().Be(0);
        up.Stdout.Should().StartWith("TCP OK - ");
        listener.Stop();
        var first = Delay(check);
        first.Exit.Should().Be(0);
        first.Stdout.Should().StartWith($"DelayWarn(1/2): connect to address 127.0.0.1 and port {port}: Connection refused");
        var second = Delay(check);
        second.Exit.Should().Be(2);
        second.Stdout.Should().StartWith("DelayNG(2/2): connect to address 127.0.0.1");
    }

    [Fact]
    public void Real_check_dummy_warning_passes_through_once_alerting()
    {
        Delay("-c", "2", "--", "check_dummy", "1", "disk almost full").Stdout.Should().Be("DelayWarn(1/2): WARNING: disk almost full\n");
        var alert = Delay("-c", "2", "--", "check_dummy", "1", "disk almost full");
        alert.Stdout.Should().Be("DelayNG(2/2): WARNING: disk almost full\n");
        alert.Exit.Should().Be(1);
    }
}

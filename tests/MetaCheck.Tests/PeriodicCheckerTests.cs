using MetaCheck.Tests.Support;

namespace MetaCheck.Tests;

/// <summary>
/// kazeburo-plugins.md §2.3 "Observed runs". Windows are computed from the current time (with
/// minutes of margin), so the tests pass at any time of day.
/// </summary>
public sealed class PeriodicCheckerTests : IDisposable
{
    private readonly Sandbox _box = new();

    public void Dispose() => _box.Dispose();

    private CmdResult Periodic(params string[] args) => _box.Run("periodic-checker", args);

    private static string At(DateTime t) => t.ToString("HH:mm");

    /// <summary>A window from now+from to now+to minutes, in the local zone of the test process.</summary>
    private static string Window(int from, int to, DateTime? now = null)
    {
        var t = now ?? DateTime.Now;
        return $"{At(t.AddMinutes(from))}-{At(t.AddMinutes(to))}";
    }

    private static void ShouldBeOutOfRange(CmdResult r, string ranges, DateTime before, DateTime after)
    {
        r.Exit.Should().Be(0);
        r.Stdout.Should().BeOneOf($"OK: out of time ranges: {ranges} [{At(before)}]\n", $"OK: out of time ranges: {ranges} [{At(after)}]\n");
    }

    [Fact]
    public void The_default_window_is_the_whole_day()
    {
        Periodic("--", "true").Should().Match<CmdResult>(r => r.Exit == 0 && r.Stdout == "");
        Periodic("--", "false").Exit.Should().Be(1);
        var r = Periodic("--", "sh", "-c", "echo o; echo e >&2; exit 2");
        (r.Exit, r.Stdout, r.Stderr).Should().Be((2, "o\n", "e\n"));
    }

    [Fact]
    public void Outside_the_windows_it_reports_OK_without_running()
    {
        var count = _box.PathOf("count");
        var before = DateTime.Now;
        var ranges = Window(120, 180);
        var r = Periodic("--ranges", ranges, "--", Installed.Dummy, $"count={count}", "exit=2");
        ShouldBeOutOfRange(r, ranges, before, DateTime.Now);
        File.Exists(count).Should().BeFalse();
    }

    [Fact]
    public void Any_matching_window_runs_the_check()
    {
        var r = Periodic("--ranges", $"{Window(120, 180)},{Window(-30, 30)}", "--", "sh", "-c", "exit 2");
        r.Exit.Should().Be(2);
    }

    [Fact]
    public void Fix_a_window_crossing_midnight_matches()
    {
        // now-30 .. now-31 wraps through midnight and holds now; the original never matched such a window.
        Periodic("--ranges", Window(-30, -31), "--", "false").Exit.Should().Be(1);
        // now+30 .. now-30 wraps through midnight and leaves a gap around now.
        var before = DateTime.Now;
        var gap = Window(30, -30);
        ShouldBeOutOfRange(Periodic("--ranges", gap, "--", "false"), gap, before, DateTime.Now);
    }

    [Fact]
    public void Fix_days_of_the_week_limit_a_window()
    {
        var now = DateTime.Now;
        var today = now.DayOfWeek.ToString()[..3];
        var other = now.AddDays(3).DayOfWeek.ToString()[..3];
        Periodic("--ranges", $"{today}@{Window(-30, 30, now)}", "--", "false").Exit.Should().Be(1);
        var before = DateTime.Now;
        var ranges = $"{other}@{Window(-30, 30, now)}";
        ShouldBeOutOfRange(Periodic("--ranges", ranges, "--", "false"), ranges, before, DateTime.Now);
    }

    [Fact]
    public void Fix_spaces_around_windows_are_allowed()
    {
        Periodic("--ranges", $"{Window(120, 180)}, {Window(-30, 30)}", "--", "false").Exit.Should().Be(1);
    }

    [Theory]
    [InlineData("0:00-06:00")]
    [InlineData("25:00-26:00")]
    [InlineData("99:99-99:99")]
    [InlineData("10:00")]
    [InlineData("Xyz@10:00-11:00")]
    [InlineData("")]
    [InlineData(",")]
    public void Fix_a_malformed_range_is_UNKNOWN_at_any_time(string ranges)
    {
        var r = Periodic("--ranges", ranges, "--", "true");
        r.Exit.Should().Be(3, r.ToString());
        r.Lines.Should().ContainSingle().Which.Should().StartWith("UNKNOWN: periodic-checker: ");
    }

    [Fact]
    public void Fix_a_malformed_piece_is_an_error_even_after_a_matching_one()
    {
        var r = Periodic("--ranges", "00:00-24:00,garbage", "--", "true");
        r.Exit.Should().Be(3);
        r.Stdout.Should().Contain("garbage");
    }

    [Fact]
    public void The_process_time_zone_and_tz_option_choose_the_clock()
    {
        var tokyo = TimeZoneInfo.ConvertTime(DateTime.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo"));
        var ranges = Window(120, 180, tokyo);
        var viaOption = Periodic("--tz", "Asia/Tokyo", "--ranges", ranges, "--", "false");
        viaOption.Stdout.Should().StartWith($"OK: out of time ranges: {ranges} [");
        viaOption.Stdout.Should().BeOneOf($"OK: out of time ranges: {ranges} [{At(tokyo)}]\n", $"OK: out of time ranges: {ranges} [{At(tokyo.AddMinutes(1))}]\n");
        Periodic("--tz", "Asia/Tokyo", "--ranges", Window(-30, 30, tokyo), "--", "false").Exit.Should().Be(1);
        _box.Env["TZ"] = "Asia/Tokyo";
        Periodic("--ranges", Window(-30, 30, tokyo), "--", "false").Exit.Should().Be(1);
    }

    [Theory]
    [InlineData("JST-9", 9 * 60)]
    [InlineData("<+0530>-5:30", 5 * 60 + 30)]
    [InlineData(":Asia/Tokyo", 9 * 60)]
    public void Fix_a_POSIX_TZ_is_honoured_as_libc_does(string tz, int eastMinutes)
    {
        _box.Env["TZ"] = tz;
        var before = DateTime.UtcNow.AddMinutes(eastMinutes);
        var r = Periodic("--ranges", Window(120, 180, before), "--", "false");
        ShouldBeOutOfRange(r, Window(120, 180, before), before, DateTime.UtcNow.AddMinutes(eastMinutes));
        r.Stderr.Should().BeEmpty();
    }

    [Fact]
    public void Fix_a_TZ_that_names_no_zone_is_said_on_stderr()
    {
        _box.Env["TZ"] = "Mars/Olympus";
        var r = Periodic("--ranges", Window(120, 180, DateTime.UtcNow), "--", "false");
        r.Exit.Should().Be(0, "the windows are then read in UTC");
        r.Stderr.Should().Be("periodic-checker: TZ='Mars/Olympus' is neither a time zone name nor a POSIX TZ string; using UTC\n");
    }

    [Fact]
    public void An_unknown_time_zone_is_UNKNOWN()
    {
        var r = Periodic("--tz", "Asia/Tokio", "--", "true");
        r.Exit.Should().Be(3);
        r.Stdout.Should().Contain("unknown time zone 'Asia/Tokio'");
    }

    [Fact]
    public void Fix_a_missing_command_is_UNKNOWN_not_WARNING()
    {
        var r = Periodic("--", "nosuchcmd");
        r.Exit.Should().Be(3);
        r.Stdout.Should().StartWith("UNKNOWN: cannot run 'nosuchcmd'");
    }

    [Fact]
    public void Death_by_signal_is_UNKNOWN_with_a_message()
    {
        var r = Periodic("--", "sh", "-c", "kill -9 $$");
        r.Exit.Should().Be(3);
        r.Stdout.Should().Contain("killed by SIGKILL");
    }

    [Fact]
    public void Real_check_dummy_runs_inside_the_window()
    {
        var r = Periodic("--ranges", Window(-30, 30), "--", "check_dummy", "2", "replication broken");
        (r.Exit, r.Stdout).Should().Be((2, "CRITICAL: replication broken\n"));
    }
}

using MetaCheck.Tests.Support;
using Microsoft.Data.Sqlite;

namespace MetaCheck.Tests;

/// <summary>kazeburo-plugins.md §2.2 "Observed runs", against the installed binary.</summary>
public sealed class IntervalCheckerTests : IDisposable
{
    private readonly Sandbox _box = new();

    public void Dispose() => _box.Dispose();

    private CmdResult Interval(params string[] args) => _box.Run("interval-checker", args);

    private int Runs(string countFile) => File.Exists(countFile) ? File.ReadAllLines(countFile).Length : 0;

    // Real time runs here: a replay is asserted only well inside a long interval and a re-run only after a
    // short one has passed, the two directions a loaded machine cannot turn round (the boundary itself,
    // exclusive, is PureRulesTests' to pin).

    [Fact]
    public void A_success_is_replayed_byte_for_byte_within_the_interval()
    {
        string[] check = ["--interval", "300", "--", "sh", "-c", "date +%s.%N; echo err >&2"];
        var first = Interval(check);
        first.Exit.Should().Be(0);
        first.Stderr.Should().Be("err\n");
        Thread.Sleep(1000);
        var replay = Interval(check);
        replay.Stdout.Should().Be(first.Stdout);
        replay.Stderr.Should().BeEmpty("stderr is never cached");
    }

    [Fact]
    public void A_success_as_old_as_the_interval_is_rerun()
    {
        var count = _box.PathOf("count");
        string[] check = ["--interval", "1.5", "--", "sh", "-c", $"echo run >> {count}; date +%s.%N; echo err >&2"];
        var first = Interval(check);
        Thread.Sleep(1600);
        var fresh = Interval(check);
        fresh.Stdout.Should().NotBe(first.Stdout);
        fresh.Stderr.Should().Be("err\n");
        Runs(count).Should().Be(2);
    }

    [Fact]
    public void Failures_are_not_cached_and_print_nothing_extra()
    {
        var r = Interval("--interval", "60", "--", "false");
        r.Exit.Should().Be(1);
        r.Stdout.Should().BeEmpty();
        r.Stderr.Should().BeEmpty("the original's 'uninitialized value' warning is gone");
        var count = _box.PathOf("count");
        string[] failing = ["--interval", "60", "--", Installed.Dummy, $"count={count}", "out=x", "exit=2"];
        var failed = Interval(failing);
        (failed.Exit, failed.Stdout, failed.Stderr).Should().Be((2, "x\n", ""));
        Interval(failing).Exit.Should().Be(2);
        Runs(count).Should().Be(2);
    }

    [Fact]
    public void Output_without_a_newline_is_replayed_as_is()
    {
        var count = _box.PathOf("count");
        string[] check = ["--interval", "60", "--", Installed.Dummy, $"count={count}", "raw=abc"];
        Interval(check).Stdout.Should().Be("abc");
        Interval(check).Stdout.Should().Be("abc");
        Runs(count).Should().Be(1);
    }

    [Fact]
    public void Cache_failures_replays_a_failure_with_its_status()
    {
        var count = _box.PathOf("count");
        string[] check = ["--interval", "60", "--cache-failures", "--", Installed.Dummy, $"count={count}", "out=CRITICAL: down", "exit=2"];
        Interval(check).Exit.Should().Be(2);
        var replay = Interval(check);
        replay.Exit.Should().Be(2);
        replay.Stdout.Should().Be("CRITICAL: down\n");
        Runs(count).Should().Be(1);
    }

    [Fact]
    public void A_failure_after_an_expired_success_drops_the_cache()
    {
        var flag = _box.PathOf("flag");
        string[] check = ["--interval", "1", "--", "sh", "-c", $"if test -e {flag}; then echo bad; exit 2; else echo good; fi"];
        Interval(check).Stdout.Should().Be("good\n");
        File.WriteAllText(flag, "");
        Thread.Sleep(1100);
        Interval(check).Exit.Should().Be(2);
        Interval(check).Stdout.Should().Be("bad\n");
    }

    [Fact]
    public void Fix_a_cached_result_from_the_future_after_a_clock_step_is_stale_not_fresh()
    {
        var count = _box.PathOf("count");
        string[] check = ["--interval", "3600", "--", Installed.Dummy, $"count={count}", "out=x"];
        Interval(check);
        using (var db = new SqliteConnection($"Data Source={_box.DatabasePath}"))
        {
            db.Open();
            using var cmd = db.CreateCommand();
            cmd.CommandText = "UPDATE checks SET cached_at = cached_at + 600000";
            cmd.ExecuteNonQuery().Should().Be(1);
        }
        Interval(check);
        Runs(count).Should().Be(2, "a result stamped 10 minutes ahead means the clock went back");
    }

    [Fact]
    public void Fix_death_by_signal_is_a_failure_and_never_replayed()
    {
        string[] check = ["--interval", "60", "--", "sh", "-c", "echo sig; kill -9 $$"];
        var first = Interval(check);
        first.Exit.Should().Be(3);
        first.Stdout.Should().StartWith("sig\nUNKNOWN: ");
        Interval(check).Exit.Should().Be(3);
    }

    [Fact]
    public void Fix_a_missing_command_is_UNKNOWN()
    {
        var r = Interval("--interval", "60", "--", "nosuchcmd");
        r.Exit.Should().Be(3);
        r.Stdout.Should().StartWith("UNKNOWN: cannot run 'nosuchcmd'");
    }

    [Fact]
    public void Interval_accepts_durations()
    {
        var count = _box.PathOf("count");
        Interval("--interval", "5m", "--", Installed.Dummy, $"count={count}", "out=x");
        Interval("--int", "5m", "--", Installed.Dummy, $"count={count}", "out=x");
        Runs(count).Should().Be(1, "--int is --interval (a unique prefix), and the second run is a replay");
    }

    [Theory]
    [InlineData("--interval=abc")]
    [InlineData("--interval=-5")]
    [InlineData("--interval=")]
    [InlineData("--interval=99999999999999999999999")]
    [InlineData("--bogus")]
    [InlineData("-i")]
    public void Fix_bad_options_are_UNKNOWN_with_one_line(string option)
    {
        var r = Interval(option, "--", "true");
        r.Exit.Should().Be(3, r.ToString());
        r.Lines.Should().ContainSingle().Which.Should().StartWith("UNKNOWN: interval-checker: ");
    }

    [Fact]
    public void No_command_is_a_usage_error()
    {
        var r = Interval();
        r.Exit.Should().Be(3);
        r.Stdout.Should().Contain("no command to run");
    }
}

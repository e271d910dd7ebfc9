using System.Text;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;
using MetaCheck.State;
using MetaCheck.Wrappers;

namespace MetaCheck.Tests.Unit;

public sealed class PureRulesTests
{
    private static InnerOutcome Outcome(int status, string output = "") =>
        new(RunOutcome.Ran, status, Encoding.UTF8.GetBytes(output), status, 1_000, 5);

    [Fact]
    public void Delay_counts_consecutive_failures_across_severities()
    {
        var settings = new DelayChecker.Settings(3, null);
        var one = DelayChecker.Decide(CheckState.Empty, Outcome(1, "w"), settings);
        var two = DelayChecker.Decide(CheckState.Empty with { Streak = one.Update.Streak }, Outcome(2, "c"), settings);
        var three = DelayChecker.Decide(CheckState.Empty with { Streak = two.Update.Streak }, Outcome(2, "c"), settings);
        Encoding.UTF8.GetString(two.Report).Should().Be("DelayWarn(2/3): c\n");
        (Encoding.UTF8.GetString(three.Report), three.Exit, three.Update.Alerting).Should().Be(("DelayNG(3/3): c\n", 2, true));
    }

    [Fact]
    public void Delay_within_counts_failures_in_the_window_only()
    {
        var settings = new DelayChecker.Settings(2, 3);
        var state = CheckState.Empty with { Streak = 1, RecentFailures = [true, false, true] }; // newest first
        var verdict = DelayChecker.Decide(state, Outcome(2), settings);
        Encoding.UTF8.GetString(verdict.Report).Should().Be("DelayNG(2/2 in last 3): \n", "only the 2 newest earlier runs are in a window of 3");
    }

    [Fact]
    public void Delay_recover_keeps_the_held_status_until_R_successes_in_a_row()
    {
        var settings = new DelayChecker.Settings(2, null, Recover: 3);
        var alerting = CheckState.Empty with { Streak = 2, Alerting = true, HeldStatus = 1 };
        var first = DelayChecker.Decide(alerting, Outcome(0, "ok"), settings);
        (Encoding.UTF8.GetString(first.Report), first.Exit, first.Update.Alerting, first.Update.OkStreak, first.Update.Run.Outcome)
            .Should().Be(("DelayRecovering(1/3): ok\n", 1, true, 1L, RunOutcome.Recovering));
        var third = DelayChecker.Decide(alerting with { OkStreak = 2 }, Outcome(0, "ok"), settings);
        (Encoding.UTF8.GetString(third.Report), third.Exit, third.Update.Alerting, third.Update.HeldStatus).Should().Be(("ok\n", 0, false, (int?)null));
        var relapse = DelayChecker.Decide(alerting with { Streak = 0, OkStreak = 2 }, Outcome(2, "down"), settings);
        (Encoding.UTF8.GetString(relapse.Report), relapse.Exit, relapse.Update.HeldStatus, relapse.Update.OkStreak)
            .Should().Be(("DelayNG(1/2): down\n", 2, (int?)2, 0L), "an open alert goes on whatever the count");
    }

    [Fact]
    public void Delay_recover_is_part_of_the_check_key_and_the_default_keeps_the_old_key()
    {
        new DelayChecker.Settings(2, null, Recover: 3).KeyOptions.Should().Equal("-c", "2", "--recover", "3");
        new DelayChecker.Settings(2, null).KeyOptions.Should().Equal("-c", "2");
        new DelayChecker.Settings(2, 4).KeyOptions.Should().Equal("-c", "2", "--within", "4");
    }

    [Fact]
    public void Delay_within_looks_at_the_newest_runs_only()
    {
        var state = CheckState.Empty with { Streak = 2, RecentFailures = [true, true, false, false] }; // newest first
        var verdict = DelayChecker.Decide(state, Outcome(2), new DelayChecker.Settings(3, 3));
        Encoding.UTF8.GetString(verdict.Report).Should().Be("DelayNG(3/3 in last 3): \n");
    }

    [Fact]
    public void Delay_records_what_each_run_was()
    {
        var settings = new DelayChecker.Settings(2, null);
        var warn = DelayChecker.Decide(CheckState.Empty, Outcome(2, "down"), settings);
        (warn.Exit, warn.Update.Failed, warn.Update.Alerting, warn.Update.HeldStatus, warn.Update.Run.Outcome, warn.Update.Run.Status)
            .Should().Be((0, (bool?)true, false, (int?)null, RunOutcome.Suppressed, 0));
        var alert = DelayChecker.Decide(CheckState.Empty with { Streak = 1 }, Outcome(1, "slow"), settings);
        (alert.Exit, alert.Update.Failed, alert.Update.Alerting, alert.Update.HeldStatus, alert.Update.Run.Outcome, alert.Update.Run.Status)
            .Should().Be((1, (bool?)true, true, (int?)1, RunOutcome.Ran, 1));
        var ok = DelayChecker.Decide(CheckState.Empty with { Streak = 2, Alerting = true }, Outcome(0, "up"), settings);
        (ok.Exit, ok.Update.Failed, ok.Update.Alerting, ok.Update.Streak).Should().Be((0, (bool?)false, false, 0L));
        var recovering = DelayChecker.Decide(CheckState.Empty with { Alerting = true, HeldStatus = 2 }, Outcome(0, "up"),
            settings with { Recover = 2 });
        (recovering.Update.Failed, recovering.Update.Alerting).Should().Be(((bool?)false, true));
    }

    [Fact]
    public void Delay_without_recover_lets_the_count_alone_decide_even_after_an_alert()
    {
        var state = CheckState.Empty with { Alerting = true };
        var verdict = DelayChecker.Decide(state, Outcome(2, "down"), new DelayChecker.Settings(3, null));
        (Encoding.UTF8.GetString(verdict.Report), verdict.Exit, verdict.Update.Alerting).Should().Be(("DelayWarn(1/3): down\n", 0, false));
    }

    [Theory]
    [InlineData("a\n\n\n", "a\n\n")]  // up to two trailing newlines go, then one is added
    [InlineData("a", "a\n")]
    [InlineData("", "\n")]
    [InlineData("\n", "\n")]
    public void Delay_output_ends_in_one_newline_as_in_the_original(string output, string shown) =>
        Encoding.UTF8.GetString(DelayChecker.WithNewline(Encoding.UTF8.GetBytes(output))).Should().Be(shown);

    [Fact]
    public void Delay_without_recover_closes_on_the_first_success()
    {
        var alerting = CheckState.Empty with { Streak = 5, Alerting = true, HeldStatus = 2 };
        var verdict = DelayChecker.Decide(alerting, Outcome(0, "ok"), new DelayChecker.Settings(2, null));
        (verdict.Exit, verdict.Update.Alerting, verdict.Update.Streak).Should().Be((0, false, 0L));
    }

    [Fact]
    public void A_launch_failure_neither_counts_nor_resets()
    {
        var state = CheckState.Empty with { Streak = 2, Alerting = true };
        var launch = new InnerOutcome(RunOutcome.LaunchFailed, 3, "UNKNOWN: cannot run\n"u8.ToArray(), null, 0, 0);
        var verdict = DelayChecker.Decide(state, launch, new DelayChecker.Settings(3, null));
        (verdict.Update.Streak, verdict.Update.Alerting, verdict.Update.Failed, verdict.Exit).Should().Be((2L, true, (bool?)null, 3));
    }

    [Theory]
    [InlineData(0, false, 10_000, 9_999, true)]
    [InlineData(0, false, 10_000, 0, true)]          // cached this very millisecond
    [InlineData(0, false, 10_000, 10_000, false)]
    [InlineData(2, false, 10_000, 1, false)]
    [InlineData(2, true, 10_000, 1, true)]
    [InlineData(0, false, 10_000, -1, false)] // cached in the future: the clock went back
    public void Interval_replays_only_fresh_cacheable_results(int status, bool cacheFailures, int intervalMs, long ageMs, bool replay)
    {
        var cached = new CachedResult(1_000_000, status, []);
        var settings = new IntervalChecker.Settings(TimeSpan.FromMilliseconds(intervalMs), cacheFailures);
        (IntervalChecker.Replayable(cached, 1_000_000 + ageMs, settings) is not null).Should().Be(replay);
    }

    [Theory]
    [InlineData(new[] { "echo a | tr a b" }, "/bin/sh", new[] { "-c", "echo a | tr a b" })]
    [InlineData(new[] { "FOO=bar printenv FOO" }, "/bin/sh", new[] { "-c", "FOO=bar printenv FOO" })]
    [InlineData(new[] { "exec true" }, "/bin/sh", new[] { "-c", "exec true" })]
    [InlineData(new[] { "echo  hello   world" }, "/usr/bin/echo", new[] { "hello", "world" })]
    [InlineData(new[] { "echo", "a|b" }, "/usr/bin/echo", new[] { "a|b" })]
    public void The_one_argument_shell_rule(string[] argv, string file, string[] arguments)
    {
        var command = InnerCommand.FromArgv(argv, "/usr/bin:/bin");
        (command.FileName, command.Arguments).Should().BeEquivalentTo((file, arguments), o => o.WithStrictOrdering());
    }

    [Theory]
    [InlineData(100.0 / 3, "33.3333333333333")]
    [InlineData(0.03662109375, "0.03662109375")]
    [InlineData(96.66666666666667, "96.6666666666667")]
    [InlineData(2.1e-05, "2.1e-05")]
    [InlineData(1e15, "1e+15")]
    [InlineData(1e20, "1e+20")]
    [InlineData(0.1 + 0.2, "0.3")]
    [InlineData(26236014592, "26236014592")]
    [InlineData(-0.0, "0")]
    public void Perl_number_format(double value, string text) => NumberFormat.Perl(value).Should().Be(text);

    [Theory]
    [InlineData(4096, "4096")]
    [InlineData(0.125, "0.125000")]
    [InlineData(-3, "-3")]
    public void Go_number_format(double value, string text) => NumberFormat.Go(value).Should().Be(text);

    [Theory]
    [InlineData(0.25, 1, "0.2")]          // an exact tie goes to even, as C, Perl and Go print it (.NET's F1: 0.3)
    [InlineData(0.75, 1, "0.8")]
    [InlineData(-0.25, 1, "-0.2")]
    [InlineData(0.35, 1, "0.3")]          // not a tie: the double is 0.34999999999999997...
    [InlineData(2.5, 0, "2")]
    [InlineData(3.5, 0, "4")]
    [InlineData(0.0078125, 6, "0.007812")]
    [InlineData(0.0234375, 6, "0.023438")]
    [InlineData(9.95, 1, "9.9")]          // 9.949999999999999289...
    [InlineData(9.75, 1, "9.8")]
    [InlineData(-99.5, 0, "-100")]
    [InlineData(1234.5678, 3, "1234.568")]
    [InlineData(0.1, 6, "0.100000")]
    public void Fixed_decimals_round_exact_ties_to_even(double value, int decimals, string text) =>
        NumberFormat.Fixed(value, decimals).Should().Be(text);

    [Fact]
    public void Check_keys_cannot_collide_by_concatenation()
    {
        new CheckIdentity("delay-checker", "", ["ab", "c"]).Key.Should().NotBe(new CheckIdentity("delay-checker", "", ["a", "bc"]).Key);
        new CheckIdentity("delay-checker", "x", ["true"]).Key.Should().NotBe(new CheckIdentity("delay-checker", "", ["xtrue"]).Key);
        new CheckIdentity("delay-checker", "", ["false"]).Key.Should().NotBe(new CheckIdentity("interval-checker", "", ["false"]).Key);
    }
}

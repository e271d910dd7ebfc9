using MetaCheck.Checks.CheckUptime;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests.Checks;

public sealed class CheckUptimeTests : IDisposable
{
    private readonly Sandbox _box = new();

    public void Dispose() => _box.Dispose();

    [Theory]
    [InlineData(330, "up 0 days,  0:05")]
    [InlineData(86400 + 13 * 3600 + 7 * 60, "up 1 days, 13:07")]
    [InlineData(0, "up 0 days,  0:00")]
    public void Uptime_text_matches_the_original(long seconds, string text) => CheckUptime.Describe(seconds).Should().Be(text);

    [Theory]
    [InlineData(330, 600, 300, Status.Warning, "WARNING: uptime is less than 600 | up 0 days,  0:05")]
    [InlineData(330, 600, 400, Status.Critical, "CRITICAL: uptime is less than 400 | up 0 days,  0:05")]
    [InlineData(330, 300, null, Status.Ok, "OK: up 0 days,  0:05")]
    [InlineData(330, null, 330, Status.Ok, "OK: up 0 days,  0:05")]
    public void Thresholds_are_strictly_less_than(long uptime, int? w, int? c, Status status, string text)
    {
        var result = CheckUptime.Evaluate(uptime, w is { } ww ? ThresholdRange.Below(ww) : null, c is { } cc ? ThresholdRange.Below(cc) : null);
        (result.Status, result.Text).Should().Be((status, text));
    }

    [Theory]
    [InlineData("86400:", "3600:", 7200, Status.Warning, "WARNING: uptime 7200 s is outside 86400: | up 0 days,  2:00")]
    [InlineData("~:600", "~:86400", 90000, Status.Critical, "CRITICAL: uptime 90000 s is outside ~:86400 | up 1 days,  1:00")]
    [InlineData("@0:600", "@0:60", 600, Status.Warning, "WARNING: uptime 600 s is within 0:600 | up 0 days,  0:10")]
    [InlineData("@0:600", "@0:60", 601, Status.Ok, "OK: up 0 days,  0:10")]
    public void Ranges_alert_as_the_guidelines_say(string w, string c, long uptime, Status status, string text)
    {
        var warning = Ranges.Parse(w);
        var critical = Ranges.Parse(c);
        var result = CheckUptime.Evaluate(uptime, warning, critical);
        (result.Status, result.Text).Should().Be((status, text));
    }

    [Fact]
    public void Perfdata_mode_gives_uptime_in_seconds_with_the_applied_thresholds()
    {
        var r = _box.RunOn("uptime-5min", "check-uptime", "-w", "600", "-c", "60", "--perfdata");
        (r.Exit, r.Stdout).Should().Be((1, "WARNING: uptime is less than 600 - up 0 days,  0:05 | uptime=330s;600:;60:;0\n"));
        r = _box.RunOn("uptime-5min", "check-uptime", "-w", "@0:600", "--perfdata", "-v");
        r.Stdout.Should().MatchRegex(@"^WARNING: uptime 330 s is within 0:600 - up 0 days,  0:05 \| uptime=330s;@0:600;;0\nbooted at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\n$");
    }

    [Theory]
    [InlineData("10:5")]
    [InlineData("@")]
    [InlineData("1:2:3")]
    [InlineData("-1")]
    [InlineData("x:")]
    public void Fix_a_bad_range_is_a_usage_error_naming_both_forms(string bad)
    {
        var r = _box.Run("check-uptime", "-w", bad);
        (r.Exit, r.Stdout).Should().Be((3, $"UNKNOWN: check-uptime: -w takes a whole number from 0 to 2147483647 or a range (10:, ~:10, 10:20, @10:20), got '{bad}' (see check-uptime --help)\n"));
    }

    [Fact]
    public void Reads_proc_uptime_of_a_fixture_host()
    {
        var r = _box.RunOn("uptime-5min", "check-uptime", "-w", "600", "-c", "60");
        (r.Exit, r.Stdout).Should().Be((1, "WARNING: uptime is less than 600 | up 0 days,  0:05\n"));
    }

    [Fact]
    public void Smoke_on_this_machine()
    {
        var r = _box.Run("check-uptime", "-w", "1");
        r.Exit.Should().Be(0);
        r.Stdout.Should().MatchRegex(@"^OK: up \d+ days, [ \d]\d:\d\d\n$");
    }

    [Fact]
    public void Fix_a_missing_proc_file_is_UNKNOWN_naming_the_file()
    {
        _box.Env["HOST_PROC"] = _box.PathOf("no-proc");
        var r = _box.Run("check-uptime", "-w", "1");
        (r.Exit, r.Stdout).Should().Be((3, $"UNKNOWN: check-uptime: cannot read {_box.PathOf("no-proc")}/uptime: no such file\n"));
    }

    [Fact]
    public void Fix_no_threshold_is_a_usage_error()
    {
        var r = _box.Run("check-uptime");
        r.Exit.Should().Be(3);
        r.Stdout.Should().StartWith("UNKNOWN: check-uptime: give -w or -c");
    }

    [Fact]
    public void Works_as_an_inner_command_of_delay_checker()
    {
        _box.Run("delay-checker", "-c", "2", "--", "check-uptime", "-c", "2000000000").Stdout
            .Should().StartWith("DelayWarn(1/2): CRITICAL: uptime is less than 2000000000 | up ");
        var alert = _box.Run("delay-checker", "-c", "2", "--", "check-uptime", "-c", "2000000000");
        alert.Exit.Should().Be(2);
        alert.Stdout.Should().StartWith("DelayNG(2/2): CRITICAL: ");
    }

    [Fact]
    public void Works_as_an_inner_command_of_interval_checker()
    {
        var first = _box.Run("interval-checker", "--interval", "60", "--", "check-uptime", "-w", "1");
        first.Stdout.Should().MatchRegex(@"^OK: up \d+ days, [ \d]\d:\d\d\n$");
        _box.Run("interval-checker", "--interval", "60", "--", "check-uptime", "-w", "1").Stdout.Should().Be(first.Stdout);
        _box.Run("metacheck", "history", "check-uptime").Stdout.Should().Contain("timeline .r");
    }

    [Fact]
    public void Works_as_an_inner_command_of_periodic_checker()
    {
        var r = _box.Run("periodic-checker", "--ranges", "00:00-24:00", "--", "check-uptime", "-c", "2000000000");
        r.Exit.Should().Be(2);
        r.Stdout.Should().StartWith("CRITICAL: uptime is less than 2000000000 | up ");
    }
}

using MetaCheck.Tests.Support;

namespace MetaCheck.Tests;

/// <summary>
/// What the server is told must be true (issue 19): a mute works as a downtime, opening and closing no
/// alert of its own; a result shown for a time nobody measured carries no performance data.
/// </summary>
public sealed class MuteTests : IDisposable
{
    private readonly Sandbox _box = new();

    public void Dispose() => _box.Dispose();

    /// <summary>A check whose status (0-3) is the content of the file `status` in the sandbox.</summary>
    private string[] Service(params string[] wrapper)
    {
        var script = _box.PathOf("service");
        if (!File.Exists(script))
        {
            File.WriteAllText(script, "#!/bin/sh\ns=$(cat \"$(dirname \"$0\")/status\")\necho \"service status $s | s=$s;1;2;0\"\nexit $s\n");
            File.SetUnixFileMode(script, (UnixFileMode)0x1ed);
        }
        return [.. wrapper, "--", script];
    }

    private (int Exit, string First) Run(int status, string[] check)
    {
        var r = RunAll(status, check);
        return (r.Exit, r.Lines[0]);
    }

    private CmdResult RunAll(int status, string[] check)
    {
        File.WriteAllText(_box.PathOf("status"), $"{status}");
        return _box.Run(check[0], check[1..]);
    }

    private string Timeline() =>
        _box.Run("metacheck", "history", "--limit", "1000", "service").Lines.Single(l => l.StartsWith("  timeline ")).Split(' ').Last();

    [Fact]
    public void An_open_alert_stays_open_at_its_status_a_recovery_is_reported_and_a_new_failure_is_hidden()
    {
        var check = Service("delay-checker", "-c", "1");
        Run(1, check).Should().Be((1, "DelayNG(1/1): service status 1 | s=1;1;2;0"));
        _box.Run("metacheck", "mute", "--for", "1h", "--reason", "deploy").Exit.Should().Be(0);

        var held = RunAll(2, check);
        held.Exit.Should().Be(1, "the alert open at WARNING stays open at WARNING: the server sees no change");
        held.Lines[0].Should().MatchRegex(@"^WARNING: muted until \d\d:\d\d \(deploy\); the open alert is held$");
        held.Lines[1].Should().Be("DelayNG(2/1): service status 2", "a status that is not the check's own carries no performance data");
        Run(0, check).Should().Match<(int Exit, string First)>(r => r.Exit == 0 && r.First.StartsWith("OK: muted until "),
            "a real recovery is reported as one");
        Run(2, check).Should().Match<(int Exit, string First)>(r => r.Exit == 0 && r.First.StartsWith("OK: muted until "),
            "a failure that would open a new alert is hidden");

        _box.Run("metacheck", "unmute").Exit.Should().Be(0);
        Run(2, check).Should().Be((2, "DelayNG(2/1): service status 2 | s=2;1;2;0"), "after the mute the wrapper's own rules, nothing invented");
        Timeline().Should().Be("Wm.mC");
    }

    [Fact]
    public void A_failing_check_muted_while_its_alert_is_open_reports_no_recovery_in_any_wrapper()
    {
        foreach (var wrapper in new[] { new[] { "interval-checker", "--interval", "0.001" }, ["periodic-checker"] })
        {
            var check = Service(wrapper);
            Run(2, check).Exit.Should().Be(2);
            _box.Run("metacheck", "mute", "--for", "10m").Exit.Should().Be(0);
            var muted = Run(2, check);
            muted.Exit.Should().Be(2, $"{wrapper[0]} keeps the open alert open");
            muted.First.Should().MatchRegex(@"^CRITICAL: muted until \d\d:\d\d; the open alert is held$");
            _box.Run("metacheck", "unmute").Exit.Should().Be(0);
        }
    }

    [Fact]
    public void Outside_keep_holds_the_text_of_the_last_result_but_not_its_performance_data()
    {
        // A window around the current UTC time: inside it under TZ=UTC, outside it under TZ=Asia/Tokyo.
        var ranges = $"{DateTime.UtcNow.AddMinutes(-30):HH:mm}-{DateTime.UtcNow.AddMinutes(30):HH:mm}";
        var check = Service("periodic-checker", "--ranges", ranges, "--outside", "keep");
        _box.Env["TZ"] = "UTC";
        RunAll(2, check).Stdout.Should().Be("service status 2 | s=2;1;2;0\n");
        _box.Env["TZ"] = "Asia/Tokyo";
        var held = RunAll(2, check);
        held.Exit.Should().Be(2);
        held.Stdout.Should().MatchRegex(@"^Held\(since \d\d:\d\d, out of time ranges [^)]*\): service status 2\n$");
    }
}

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

    // ---- scheduled mutes ----

    private static string Utc(TimeSpan fromNow) => DateTime.UtcNow.Add(fromNow).ToString("yyyy-MM-dd HH:mm");

    [Fact]
    public void A_scheduled_mute_waits_for_its_start_and_status_shows_it_pending()
    {
        var check = Service("delay-checker", "-c", "1");
        Run(2, check).Exit.Should().Be(2);
        var at = DateTime.UtcNow.AddHours(2);
        var mute = _box.Run("metacheck", "mute", "--from", Utc(TimeSpan.FromHours(2)), "--for", "1h", "--tz", "UTC", "--reason", "window");
        mute.Exit.Should().Be(0, mute.ToString());
        mute.Stdout.Should().MatchRegex(@"^muted from (\d{4}-\d\d-\d\d )?\d\d:\d\d until (\d{4}-\d\d-\d\d )?\d\d:\d\d \(window\): every check in ");
        Run(2, check).Should().Be((2, "DelayNG(2/1): service status 2 | s=2;1;2;0"), "a mute that has not started mutes nothing");
        _box.Run("metacheck", "status").Lines[0].Should().MatchRegex(@"^muted from .* until .* \(window\): every check$");

        _box.Run("metacheck", "mute", "--from", Utc(TimeSpan.FromMinutes(-1)), "--until", Utc(TimeSpan.FromHours(1)), "--tz", "UTC").Exit.Should().Be(0);
        Run(2, check).First.Should().MatchRegex(@"^CRITICAL: muted until \d\d:\d\d; the open alert is held$", "the window started a minute ago");
    }

    [Theory]
    [InlineData("--from", "25:00", "--for", "1h", "UNKNOWN: mute: --from takes HH:MM (today) or YYYY-MM-DD HH:MM, got '25:00'")]
    [InlineData("--until", "2000-01-01 00:00", "--tz", "UTC", "UNKNOWN: mute: the mute would end at 2000-01-01 00:00, which has passed")]
    [InlineData("--for", "1h", "--until", "23:59", "UNKNOWN: mute: give --for or --until, not both")]
    public void Bad_schedules_are_UNKNOWN_with_one_line(string o1, string v1, string o2, string v2, string expected)
    {
        var r = _box.Run("metacheck", "mute", o1, v1, o2, v2);
        r.Exit.Should().Be(3, r.ToString());
        r.Lines.Should().ContainSingle().Which.Should().StartWith(expected);
    }

    // ---- host-wide mutes ----

    private string HostFile => _box.PathOf("host/mutes");

    /// <summary>`metacheck` as root with no store named (a deploy script's), the host-wide file in the sandbox.</summary>
    private CmdResult AsRootHostWide(params string[] args)
    {
        _box.Env["METACHECK_STATE_DIR"] = null;
        _box.Env["METACHECK_HOST_MUTES"] = HostFile;
        // A tight umask (077) must not make the file unreadable to the other users' wrappers.
        try { return _box.Shell("umask 077 && exec metacheck " + string.Join(' ', args.Select(a => $"'{a}'"))); }
        finally { _box.Env.Remove("METACHECK_STATE_DIR"); }
    }

    /// <summary>A command as the nagios user (Icinga's), with its own store and the sandbox's host-wide file.</summary>
    private CmdResult AsNagios(params string[] argv) =>
        IcingaDaemon.RunAsNagios(["env", $"METACHECK_HOST_MUTES={HostFile}", $"METACHECK_STATE_DIR={_box.PathOf("nagios")}", .. argv]);

    [Fact]
    public void Root_without_a_store_mutes_the_checks_of_every_user_and_only_root_can()
    {
        Directory.CreateDirectory(_box.PathOf("nagios"));
        System.Diagnostics.Process.Start("chown", [IcingaDaemon.User, _box.PathOf("nagios")])!.WaitForExit();
        File.SetUnixFileMode(_box.PathOf("nagios"), (UnixFileMode)0x1c0);
        string[] nagiosCheck = [Path.Combine(Installed.BinDir, "delay-checker"), "-c", "1", "--", "sh", "-c", "echo down; exit 2"];
        AsNagios(nagiosCheck).Exit.Should().Be(2);

        var mute = AsRootHostWide("mute", "--for", "10m", "--reason", "deploy");
        mute.Exit.Should().Be(0, mute.ToString());
        mute.Stdout.Should().MatchRegex(@"^muted until \d\d:\d\d \(deploy\): every check of every user on this host \(host-wide\)\n$");
        File.GetUnixFileMode(HostFile).Should().Be((UnixFileMode)0x1a4, "every user's wrappers read it; only root writes it");

        var held = AsNagios(nagiosCheck);
        held.Exit.Should().Be(2, "nagios's open alert is held");
        held.Stdout.Should().StartWith("CRITICAL: muted until ").And.Contain("(deploy); the open alert is held\n");
        AsNagios(Path.Combine(Installed.BinDir, "metacheck"), "status").Lines[0]
            .Should().MatchRegex(@"^muted until \d\d:\d\d \(deploy\): every check of every user on this host \(host-wide\)$");
        Run(2, Service("delay-checker", "-c", "1")).First.Should().StartWith("OK: muted until ", "root's and every other user's checks are muted too");

        // nagios cannot lift it: its own unmute works on its own store.
        AsNagios(Path.Combine(Installed.BinDir, "metacheck"), "unmute").Stdout.Should().Be("nothing was muted\n");
        AsNagios(nagiosCheck).Stdout.Should().StartWith("CRITICAL: muted until ");

        // A file anyone else could have written is not trusted.
        File.SetUnixFileMode(HostFile, (UnixFileMode)0x1b6);
        var untrusted = AsNagios(nagiosCheck);
        untrusted.Stdout.Should().Be("DelayNG(4/1): down\n");
        untrusted.Stderr.Should().Contain($"host-wide mutes in {HostFile} ignored");
        File.SetUnixFileMode(HostFile, (UnixFileMode)0x1a4);

        AsRootHostWide("unmute").Stdout.Should().Be("unmuted: every check of every user on this host (host-wide)\n");
        AsNagios(nagiosCheck).Stdout.Should().Be("DelayNG(5/1): down\n");
    }

    [Fact]
    public void A_user_s_mute_and_root_s_with_a_store_stay_in_that_store()
    {
        _box.Env["METACHECK_HOST_MUTES"] = HostFile;
        _box.Run("metacheck", "mute", "--for", "10m").Stdout.Should().StartWith("muted until ").And.Contain($"every check in {_box.StateDir}");
        _box.Run("metacheck", "mute", "--for", "10m", "--state-dir", _box.StateDir).Exit.Should().Be(0);
        File.Exists(HostFile).Should().BeFalse();
    }
}

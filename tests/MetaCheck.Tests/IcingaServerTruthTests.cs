using System.Diagnostics;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests;

/// <summary>
/// What a real Icinga 2 records of the wrappers' edge cases (issue 19): its compat log (`SERVICE
/// ALERT:` lines, written on every state change) and status.dat are the assertions.
/// </summary>
public sealed class IcingaServerTruthTests : IDisposable
{
    private readonly Sandbox _box = new();
    private IcingaDaemon? _icinga;

    public void Dispose()
    {
        _icinga?.Dispose();
        _box.Dispose();
    }

    private string Store => _box.PathOf("store");
    private string Work => _box.PathOf("work");

    /// <summary>
    /// A check whose status is the file `status` (written by the test) and whose output names the run
    /// (`service run N status S | s=S;1;2;0`); the store and the run counter belong to nagios.
    /// </summary>
    private string Script()
    {
        foreach (var dir in new[] { Store, Work }) Directory.CreateDirectory(dir);
        Process.Start("chown", [$"{IcingaDaemon.User}:{IcingaDaemon.User}", Store, Work])!.WaitForExit();
        File.SetUnixFileMode(Store, (UnixFileMode)0x1c0);
        var script = _box.PathOf("service");
        File.WriteAllText(script, """
            #!/bin/sh
            d=$(dirname "$0")
            n=$(( $(cat "$d/work/runs" 2>/dev/null || echo 0) + 1 )); echo $n > "$d/work/runs"
            s=$(cat "$d/status")
            echo "service run $n status $s | s=$s;1;2;0"
            exit $s

            """);
        File.SetUnixFileMode(script, (UnixFileMode)0x1ed);
        return script;
    }

    private static string Command(string name, IEnumerable<string> argv, string env = "") =>
        $"object CheckCommand \"{name}\" {{ command = [ {string.Join(", ", argv.Select(a => $"\"{a}\""))} ]{env} }}\n";

    private int _runs;

    /// <summary>Sets the check's status, forces a check and waits for this run's result.</summary>
    private IcingaDaemon.Result Run(string service, int status)
    {
        File.WriteAllText(_box.PathOf("status"), $"{status}");
        var marker = $"service run {++_runs} ";
        return _icinga!.Check(service, r => r.Output.Contains(marker) || r.LongOutput.Contains(marker));
    }

    [Fact]
    public void A_mute_over_an_open_alert_sends_Icinga_no_recovery_and_no_new_problem()
    {
        var script = Script();
        string[] wrapper = [Path.Combine(Installed.BinDir, "delay-checker"), "-c", "1", "--state-dir", Store, "--", script];
        _icinga = new IcingaDaemon(_box.Dir, Command("delayed", wrapper) +
            "object Service \"delayed\" { import \"forced\"; host_name = \"localhost\"; check_command = \"delayed\" }");

        var open = Run("delayed", 2);
        (open.State, open.Output, open.Perfdata).Should().Be((2, "DelayNG(1/1): service run 1 status 2", "s=2;1;2;0"));
        var mute = IcingaDaemon.RunAsNagios(Path.Combine(Installed.BinDir, "metacheck"), "mute", "--state-dir", Store, "--for", "10m", "--reason", "deploy");
        mute.Exit.Should().Be(0, mute.ToString());

        foreach (var status in new[] { 2, 1 })
        {
            var muted = Run("delayed", status);
            muted.State.Should().Be(2, "the alert open when the mute started stays open at its status");
            muted.Output.Should().MatchRegex(@"^CRITICAL: muted until \d\d:\d\d \(deploy\); the open alert is held$");
            muted.Perfdata.Should().BeEmpty("a status that is not the check's own adds no points to the graphs");
            muted.LastHardStateChange.Should().Be(open.LastHardStateChange);
        }
        IcingaDaemon.RunAsNagios(Path.Combine(Installed.BinDir, "metacheck"), "unmute", "--state-dir", Store).Exit.Should().Be(0);
        var after = Run("delayed", 2);
        (after.State, after.Output).Should().Be((2, "DelayNG(4/1): service run 4 status 2"));

        _icinga.Alerts("delayed").Should().Equal(["CRITICAL;HARD;1;DelayNG(1/1): service run 1 status 2"],
            "Icinga logged one problem and no recovery/problem pair around the mute");
    }

    [Fact]
    public void Without_timeout_a_hung_check_is_reported_by_the_wrapper_before_Icinga_kills_it()
    {
        Script();
        string[] wrapper = [Path.Combine(Installed.BinDir, "delay-checker"), "-c", "1", "--state-dir", Store, "--", "sleep", "300"];
        // The CheckCommand keeps Icinga's default timeout (1m).
        _icinga = new IcingaDaemon(_box.Dir, Command("hung", wrapper) +
            "object Service \"hung\" { import \"forced\"; host_name = \"localhost\"; check_command = \"hung\" }");
        var result = _icinga.Check("hung", r => r.Output.Length > 0, TimeSpan.FromSeconds(120));
        (result.State, result.Output).Should().Be((3, "DelayNG(1/1): UNKNOWN: sleep 300 timed out after 25 s and was killed"),
            "the wrapper's own timeout, not Icinga's 'Timeout exceeded'");
        _icinga.Alerts("hung").Should().Equal(["UNKNOWN;HARD;1;DelayNG(1/1): UNKNOWN: sleep 300 timed out after 25 s and was killed"]);
    }

    [Fact]
    public void A_result_held_outside_the_window_gives_Icinga_no_performance_data()
    {
        var script = Script();
        // One check (the same key) seen from two zones: inside its window under UTC, outside it under Asia/Tokyo.
        var ranges = $"{DateTime.UtcNow.AddMinutes(-30):HH:mm}-{DateTime.UtcNow.AddMinutes(30):HH:mm}";
        string[] wrapper = [Path.Combine(Installed.BinDir, "periodic-checker"), "--ranges", ranges, "--outside", "keep", "--state-dir", Store, "--", script];
        _icinga = new IcingaDaemon(_box.Dir,
            Command("inside", wrapper, "; env = { TZ = \"UTC\" }") + Command("outside", wrapper, "; env = { TZ = \"Asia/Tokyo\" }") +
            "object Service \"inside\" { import \"forced\"; host_name = \"localhost\"; check_command = \"inside\" }\n" +
            "object Service \"outside\" { import \"forced\"; host_name = \"localhost\"; check_command = \"outside\" }");

        var measured = Run("inside", 2);
        (measured.State, measured.Perfdata).Should().Be((2, "s=2;1;2;0"));
        var held = _icinga.Check("outside", r => r.Output.StartsWith("Held("));
        held.State.Should().Be(2);
        held.Output.Should().EndWith("): service run 1 status 2");
        held.Perfdata.Should().BeEmpty("nobody measured anything outside the window");
    }

    [Fact]
    public void A_host_wide_mute_set_by_root_reaches_the_checks_Icinga_runs_as_nagios()
    {
        var script = Script();
        var hostFile = _box.PathOf("host/mutes");
        string[] wrapper = [Path.Combine(Installed.BinDir, "delay-checker"), "-c", "1", "--state-dir", Store, "--", script];
        _icinga = new IcingaDaemon(_box.Dir, Command("deployed", wrapper, $"; env = {{ METACHECK_HOST_MUTES = \"{hostFile}\" }}") +
            "object Service \"deployed\" { import \"forced\"; host_name = \"localhost\"; check_command = \"deployed\" }");
        Run("deployed", 0).State.Should().Be(0);

        // A deploy script run by root, naming no store.
        _box.Env["METACHECK_STATE_DIR"] = null;
        _box.Env["METACHECK_HOST_MUTES"] = hostFile;
        _box.Run("metacheck", "mute", "--for", "10m", "--reason", "deploy").Exit.Should().Be(0);
        var muted = Run("deployed", 2);
        (muted.State, muted.Perfdata).Should().Be((0, ""), "a failure during the deploy opens no alert and adds no graph point");
        muted.Output.Should().MatchRegex(@"^OK: muted until \d\d:\d\d \(deploy\)$");
        _box.Run("metacheck", "unmute").Stdout.Should().Be("unmuted: every check of every user on this host (host-wide)\n");
        Run("deployed", 0).State.Should().Be(0);

        _icinga.Alerts("deployed").Should().Equal(["OK;HARD;1;service run 1 status 0"],
            "after the first result (pending to OK) Icinga saw no state change: no PROBLEM, no RECOVERY");
    }
}

using System.Diagnostics;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests;

/// <summary>
/// A real Icinga 2 (Debian's icinga2-bin, installed by scripts/setup.sh) started as its systemd unit
/// starts it: as root, without HOME, dropping to the `nagios` user. It runs
/// `delay-checker -c 3 -- <check>` with max_check_attempts 1 and no --state-dir; the test forces checks
/// through the external command pipe and reads the service's state from Icinga's status.dat.
/// </summary>
public sealed class IcingaTests : IDisposable
{
    private const string User = IcingaDaemon.User;
    private readonly Sandbox _box = new();
    private IcingaDaemon? _icinga;

    public void Dispose()
    {
        _icinga?.Dispose();
        _box.Dispose();
    }

    [Fact]
    public void Icinga_started_as_root_without_HOME_goes_hard_critical_only_at_the_third_failure()
    {
        var dir = _box.Dir;
        var identifier = "icinga-" + Path.GetFileName(dir); // this run's own check in the nagios user's store
        var check = Path.Combine(dir, "flag-check");
        File.WriteAllText(check, "#!/bin/sh\nif test -e \"$(dirname \"$0\")/up\"; then echo \"service is up\"; exit 0; else echo \"service is down\"; exit 2; fi\n");
        File.SetUnixFileMode(check, (UnixFileMode)0x1ed);
        _icinga = new IcingaDaemon(dir, $$"""
            object CheckCommand "delayed" { command = [ "{{Installed.BinDir}}/delay-checker", "-c", "3", "--identifier", "{{identifier}}", "--", "{{check}}" ] }
            object Service "delayed" { import "forced"; host_name = "localhost"; check_command = "delayed" }
            """);

        try
        {
            var states = new List<IcingaDaemon.Result>();
            string? previous = null;
            foreach (var up in new[] { false, false, false, false, true })
            {
                if (up) File.WriteAllText(Path.Combine(dir, "up"), "");
                var state = _icinga.Check("delayed", s => s.Output != previous && s.Output.Length > 0);
                states.Add(state);
                previous = state.Output;
            }

            states.Select(s => (s.State, s.Hard, s.Output)).Should().Equal(
                (0, true, "DelayWarn(1/3): service is down"),
                (0, true, "DelayWarn(2/3): service is down"),
                (2, true, "DelayNG(3/3): service is down"),   // HARD CRITICAL at the third failure, not the first
                (2, true, "DelayNG(4/3): service is down"),
                (0, true, "service is up"));

            // The store is the nagios user's, found through passwd; root reads it without touching it.
            var home = File.ReadAllLines("/etc/passwd").Select(l => l.Split(':')).Single(f => f[0] == User)[5];
            var store = Path.Combine(home, ".local", "state", "metacheck");
            var status = _box.Run("metacheck", "status", "--json", "--state-dir", store);
            status.Exit.Should().Be(0, status.ToString());
            status.Stdout.Should().Contain($"\"identifier\": \"{identifier}\"");
            Directory.GetFiles(store).Select(f => new FileInfo(f)).Should().OnlyContain(f => Owner(f.FullName) == Owner(store));
        }
        finally
        {
            // Leave the nagios user's store as it was: its owner forgets this run's check.
            IcingaDaemon.RunAsNagios(Path.Combine(Installed.BinDir, "metacheck"), "forget", identifier);
        }
    }

    [Fact]
    public void The_Icinga_2_sample_runs_its_three_services_from_the_installed_layout()
    {
        // The sample as an admin uses it, with MetaCheckPrefix set to the installation under test.
        var prefix = Path.GetDirectoryName(Installed.PrefixBin)!;
        var sample = File.ReadAllText(Path.Combine(Installed.RepoRoot, "samples", "icinga2", "metacheck.conf"));
        sample.Should().Contain("const MetaCheckPrefix = \"/usr\"\n");
        var dir = _box.Dir;
        File.WriteAllText(Path.Combine(dir, "sample.conf"), sample.Replace("const MetaCheckPrefix = \"/usr\"", $"const MetaCheckPrefix = \"{prefix}\""));
        var zone = SampleResults.OfficeHoursZone(); // so that the office-hours service runs its check
        _icinga = new IcingaDaemon(dir, $$"""
            const PluginDir = "{{Installed.NagiosPlugins}}"
            include "{{dir}}/sample.conf"
            """, runAs: "root", environment: env =>
        {
            env["METACHECK_STATE_DIR"] = _box.StateDir; // this run's store, not root's
            if (zone is not null) env["TZ"] = zone;
        });

        // Each service's output is its check's own result: nothing "cannot run", no usage error.
        var expected = new Dictionary<string, string>
        {
            ["mysql-port"] = SampleResults.DelayedTcp,
            ["root-disk"] = SampleResults.Disk,
            ["recent-reboot"] = SampleResults.OfficeHoursUptime(inside: zone is not null),
        };
        var results = expected.Keys.ToDictionary(name => name, name => _icinga.Check(name, s => s.Output.Length > 0));
        foreach (var (name, pattern) in expected)
            results[name].Output.Should().MatchRegex(pattern, name);
        // The sample's template turns MetaCheck's performance data on.
        if (zone is not null) results["recent-reboot"].Perfdata.Should().MatchRegex(@"^uptime=\d+s;1800:;600:;0$");
    }

    private static string Owner(string path)
    {
        var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%u", path]) { RedirectStandardOutput = true })!;
        var uid = stat.StandardOutput.ReadToEnd().Trim();
        stat.WaitForExit();
        return uid;
    }
}

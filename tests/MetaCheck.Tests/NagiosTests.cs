using System.Diagnostics;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests;

/// <summary>
/// A real Nagios Core 4 (Debian's nagios4 daemon, extracted by scripts/setup.sh) runs
/// `delay-checker -c 3 -- <check>` with max_check_attempts 2; the test forces checks through the
/// external command pipe and reads the service's state from Nagios's own status.dat.
/// </summary>
public sealed class NagiosTests : IDisposable
{
    private readonly Sandbox _box = new();
    private NagiosDaemon? _nagios;

    public void Dispose()
    {
        _nagios?.Dispose();
        _box.Dispose();
    }

    [Fact]
    public void Nagios_goes_soft_then_hard_exactly_when_delay_checker_alerts_and_recovers()
    {
        var dir = _box.Dir;
        var check = Path.Combine(dir, "flag-check");
        File.WriteAllText(check, "#!/bin/sh\nif test -e \"$(dirname \"$0\")/up\"; then echo \"service is up\"; exit 0; else echo \"service is down\"; exit 2; fi\n");
        File.SetUnixFileMode(check, (UnixFileMode)0x1ed);
        var bin = Installed.BinDir;
        var initial = StartNagios($$"""
            define command {
              command_name delayed
              command_line {{bin}}/delay-checker -c 3 --state-dir {{dir}}/state -- {{check}}
            }
            define service {
              use generic-service
              host_name localhost
              service_description delayed
              check_command delayed
              max_check_attempts 2
            }

            """);

        var states = new List<ServiceStatus>();
        long last = initial.LastCheck;
        foreach (var up in new[] { false, false, false, false, true })
        {
            if (up) File.WriteAllText(Path.Combine(dir, "up"), "");
            // Nagios keeps whole-second check times: make each forced check land in a new second.
            while (DateTimeOffset.UtcNow.ToUnixTimeSeconds() <= last) Thread.Sleep(50);
            _nagios!.Force("delayed");
            var state = WaitFor(s => s.LastCheck > last, since: last);
            states.Add(state);
            last = state.LastCheck;
        }

        states.Select(s => (s.State, s.Hard, s.Attempt, s.Output)).Should().Equal(
            (0, true, 1, "DelayWarn(1/3): service is down"),
            (0, true, 1, "DelayWarn(2/3): service is down"),
            (2, false, 1, "DelayNG(3/3): service is down"),   // SOFT CRITICAL: the first failure Nagios sees
            (2, true, 2, "DelayNG(4/3): service is down"),    // HARD on Nagios's second attempt
            (0, true, 1, "service is up"));                   // HARD recovery at the first success
    }

    [Fact]
    public void The_Nagios_sample_runs_its_three_services_from_the_installed_layout()
    {
        // The sample as an admin includes it, its packaged paths mapped to the installation under test.
        var sample = File.ReadAllText(Path.Combine(Installed.RepoRoot, "samples", "nagios", "metacheck.cfg"))
            .Replace("/usr/lib/metacheck/bin/", Installed.BinDir + "/").Replace("/usr/bin/", Installed.PrefixBin + "/");
        File.WriteAllText(Path.Combine(_box.Dir, "sample.cfg"), sample);
        var zone = SampleResults.OfficeHoursZone(); // so that the office-hours service runs its check
        StartNagios("", zone, Path.Combine(_box.Dir, "sample.cfg"));
        var expected = new Dictionary<string, string>
        {
            ["MySQL port (after 3 failures)"] = SampleResults.DelayedTcp,
            ["Root disk (at most every 30 minutes)"] = SampleResults.Disk,
            ["Recent reboot (office hours)"] = SampleResults.OfficeHoursUptime(inside: zone is not null),
        };
        var services = _nagios!.CheckAll(expected.Keys);
        foreach (var (name, pattern) in expected)
            services[name].Output.Should().MatchRegex(pattern, name);
    }

    private ServiceStatus StartNagios(string objects, string? zone = null, params string[] moreObjectFiles)
    {
        _nagios = new NagiosDaemon(_box.Dir, objects, zone, moreObjectFiles);
        return _nagios.Initial;
    }

    private ServiceStatus WaitFor(Func<ServiceStatus, bool> condition, long since) =>
        _nagios!.WaitFor(condition, $"Nagios reported no check after {since}");
}

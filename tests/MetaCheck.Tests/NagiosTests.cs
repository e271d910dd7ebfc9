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
    private Process? _nagios;

    public void Dispose()
    {
        try { _nagios?.Kill(entireProcessTree: true); _nagios?.WaitForExit(); } catch (InvalidOperationException) { }
        _box.Dispose();
    }

    private static string Nagios => Environment.GetEnvironmentVariable("METACHECK_NAGIOS4") is { Length: > 0 } path && File.Exists(path)
        ? path : throw new InvalidOperationException("METACHECK_NAGIOS4 is not set: run the tests with `make test` (scripts/setup.sh extracts nagios4)");

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
            long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            File.AppendAllText(Path.Combine(dir, "nagios.cmd"), $"[{now}] SCHEDULE_FORCED_SVC_CHECK;localhost;delayed;{now}\n");
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
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        foreach (var name in expected.Keys)
            File.AppendAllText(Path.Combine(_box.Dir, "nagios.cmd"), $"[{now}] SCHEDULE_FORCED_SVC_CHECK;localhost;{name};{now}\n");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Dictionary<string, ServiceStatus> services = [];
        while (!expected.Keys.All(k => services.TryGetValue(k, out var s) && s.LastCheck > 0))
        {
            _nagios!.HasExited.Should().BeFalse($"see {_box.Dir}/nagios.log");
            clock.Elapsed.Should().BeLessThan(Limit, "the three forced checks are reported");
            Thread.Sleep(200);
            services = ServiceStatus.ParseAll(File.ReadAllText(Path.Combine(_box.Dir, "status.dat")));
        }
        foreach (var (name, pattern) in expected)
            services[name].Output.Should().MatchRegex(pattern, name);
    }

    /// <summary>
    /// Writes nagios.cfg (checks run as root, 1 s interval unit, no notifications) over the basics every test
    /// needs (an always timeperiod, a contact nobody, host localhost, a generic-service template as the
    /// samples assume), <paramref name="objects"/> and the
    /// further object files; verifies it with -v, starts nagios4, and waits for its status and command pipe.
    /// </summary>
    private ServiceStatus StartNagios(string objects, string? zone = null, params string[] moreObjectFiles)
    {
        var dir = _box.Dir;
        Directory.CreateDirectory(Path.Combine(dir, "checkresults"));
        File.WriteAllText(Path.Combine(dir, "resource.cfg"), $"$USER1$={Installed.NagiosPlugins}\n");
        File.WriteAllText(Path.Combine(dir, "nagios.cfg"), string.Join('\n', [
            $"log_file={dir}/nagios.log", $"cfg_file={dir}/objects.cfg", .. moreObjectFiles.Select(f => $"cfg_file={f}"), $"object_cache_file={dir}/objects.cache",
            $"precached_object_file={dir}/objects.precache", $"resource_file={dir}/resource.cfg", $"status_file={dir}/status.dat",
            $"command_file={dir}/nagios.cmd", $"lock_file={dir}/nagios.lock", $"temp_file={dir}/nagios.tmp", $"temp_path={dir}",
            $"check_result_path={dir}/checkresults", $"query_socket={dir}/nagios.qh", $"state_retention_file={dir}/retention.dat",
            "status_update_interval=1", "nagios_user=root", "nagios_group=root", "check_external_commands=1", "check_result_reaper_frequency=1",
            "retain_state_information=0", "interval_length=1", "enable_notifications=0", "enable_flap_detection=0", "use_syslog=0",
            "log_rotation_method=n", "enable_event_handlers=0", "process_performance_data=0", "illegal_macro_output_chars=`~$&|<>\"", ""]));
        File.WriteAllText(Path.Combine(dir, "objects.cfg"), """
            define timeperiod {
              timeperiod_name always
              alias always
              sunday 00:00-24:00
              monday 00:00-24:00
              tuesday 00:00-24:00
              wednesday 00:00-24:00
              thursday 00:00-24:00
              friday 00:00-24:00
              saturday 00:00-24:00
            }
            define command {
              command_name host_ok
              command_line $USER1$/check_dummy 0 up
            }
            define contact {
              contact_name nobody
              host_notifications_enabled 0
              service_notifications_enabled 0
              host_notification_period always
              service_notification_period always
              host_notification_options n
              service_notification_options n
              host_notification_commands host_ok
              service_notification_commands host_ok
            }
            define host {
              host_name localhost
              address 127.0.0.1
              check_command host_ok
              max_check_attempts 1
              check_period always
              contacts nobody
              notification_period always
              check_interval 3600
            }
            define service {
              name generic-service
              register 0
              max_check_attempts 1
              check_interval 3600
              retry_interval 3600
              check_period always
              contacts nobody
              notification_period always
              notification_interval 0
            }

            """ + objects);
        var verify = Process.Start(new ProcessStartInfo(Nagios, ["-v", Path.Combine(dir, "nagios.cfg")]) { RedirectStandardOutput = true })!;
        var verified = verify.StandardOutput.ReadToEnd();
        verify.WaitForExit();
        verify.ExitCode.Should().Be(0, verified);

        var start = new ProcessStartInfo(Nagios, [Path.Combine(dir, "nagios.cfg")])
        {
            RedirectStandardOutput = true, UseShellExecute = false, WorkingDirectory = dir,
        };
        if (zone is not null) start.Environment["TZ"] = zone;
        _nagios = Process.Start(start)!;
        _nagios.OutputDataReceived += (_, _) => { };
        _nagios.BeginOutputReadLine();
        var initial = WaitFor(s => true, since: -1);
        ServiceStatus.WaitForCommandPipe(Path.Combine(dir, "nagios.cmd"), _nagios, Limit);
        return initial;
    }

    private ServiceStatus WaitFor(Func<ServiceStatus, bool> condition, long since) =>
        ServiceStatus.WaitFor(Path.Combine(_box.Dir, "status.dat"), _nagios!, Limit, condition,
            () => $"nagios4 exited with {_nagios!.ExitCode}; see {_box.Dir}/nagios.log",
            () => $"Nagios reported no check after {since} within {Limit.TotalSeconds} s");

    /// <summary>An upper bound only, for a machine at load 50: the checks themselves take milliseconds.</summary>
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);
}

using System.Diagnostics;

namespace MetaCheck.Tests.Support;

/// <summary>
/// A real Nagios Core 4 (Debian's nagios4, extracted by scripts/setup.sh; METACHECK_NAGIOS4 names it)
/// in a directory of the test's own: nagios.cfg with checks run as root, a 1 s interval unit and no
/// notifications, over the basics every test needs (an always timeperiod, a contact nobody, host
/// localhost, a generic-service template as the samples assume). Checks are forced through the
/// external command pipe; states are read from Nagios's own status.dat.
/// </summary>
public sealed class NagiosDaemon : IDisposable
{
    /// <summary>An upper bound only, for a machine at load 50: the checks themselves take milliseconds.</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    private readonly string _dir;
    private readonly Process _nagios;

    public static string Binary => Environment.GetEnvironmentVariable("METACHECK_NAGIOS4") is { Length: > 0 } path && File.Exists(path)
        ? path : throw new InvalidOperationException("METACHECK_NAGIOS4 is not set: run the tests with `make test` (scripts/setup.sh extracts nagios4)");

    /// <summary>The state status.dat showed when the daemon had started (its first service, if any).</summary>
    public ServiceStatus Initial { get; }

    /// <param name="environment">Changes to the daemon's environment, which its checks inherit.</param>
    public NagiosDaemon(string dir, string objects, string? zone = null, IEnumerable<string>? moreObjectFiles = null,
        Action<IDictionary<string, string?>>? environment = null)
    {
        _dir = dir;
        Directory.CreateDirectory(Path.Combine(dir, "checkresults"));
        File.WriteAllText(Path.Combine(dir, "resource.cfg"), $"$USER1$={Installed.NagiosPlugins}\n");
        File.WriteAllText(Path.Combine(dir, "nagios.cfg"), string.Join('\n', [
            $"log_file={dir}/nagios.log", $"cfg_file={dir}/objects.cfg", .. (moreObjectFiles ?? []).Select(f => $"cfg_file={f}"), $"object_cache_file={dir}/objects.cache",
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
        var verify = Process.Start(new ProcessStartInfo(Binary, ["-v", Path.Combine(dir, "nagios.cfg")]) { RedirectStandardOutput = true })!;
        var verified = verify.StandardOutput.ReadToEnd();
        verify.WaitForExit();
        verify.ExitCode.Should().Be(0, verified);

        var start = new ProcessStartInfo(Binary, [Path.Combine(dir, "nagios.cfg")])
        {
            RedirectStandardOutput = true, UseShellExecute = false, WorkingDirectory = dir,
        };
        if (zone is not null) start.Environment["TZ"] = zone;
        environment?.Invoke(start.Environment);
        _nagios = Process.Start(start)!;
        _nagios.OutputDataReceived += (_, _) => { };
        _nagios.BeginOutputReadLine();
        Initial = WaitFor(s => true, "Nagios wrote no status.dat");
        ServiceStatus.WaitForCommandPipe(CommandPipe, _nagios, Limit);
    }

    public string CommandPipe => Path.Combine(_dir, "nagios.cmd");

    public bool HasExited => _nagios.HasExited;

    /// <summary>Asks Nagios to run <paramref name="service"/>'s check now.</summary>
    public void Force(string service)
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        File.AppendAllText(CommandPipe, $"[{now}] SCHEDULE_FORCED_SVC_CHECK;localhost;{service};{now}\n");
    }

    /// <summary>Every service's state as status.dat has it now.</summary>
    public Dictionary<string, ServiceStatus> Services() =>
        File.Exists(StatusFile) ? ServiceStatus.ParseAll(File.ReadAllText(StatusFile)) : [];

    private string StatusFile => Path.Combine(_dir, "status.dat");

    /// <summary>Waits (at most <see cref="Limit"/>) until the first service's state satisfies <paramref name="condition"/>.</summary>
    public ServiceStatus WaitFor(Func<ServiceStatus, bool> condition, string timedOut) =>
        ServiceStatus.WaitFor(StatusFile, _nagios, Limit, condition,
            () => $"nagios4 exited with {_nagios.ExitCode}; see {_dir}/nagios.log", () => $"{timedOut} within {Limit.TotalSeconds} s");

    /// <summary>Forces every service in <paramref name="names"/> and waits until each has been checked.</summary>
    public Dictionary<string, ServiceStatus> CheckAll(IReadOnlyCollection<string> names)
    {
        foreach (var name in names) Force(name);
        var clock = Stopwatch.StartNew();
        var services = Services();
        while (!names.All(n => services.TryGetValue(n, out var s) && s.LastCheck > 0))
        {
            if (_nagios.HasExited) throw new InvalidOperationException($"nagios4 exited with {_nagios.ExitCode}; see {_dir}/nagios.log");
            if (clock.Elapsed > Limit) throw new TimeoutException($"Nagios did not report {string.Join(", ", names.Where(n => !services.ContainsKey(n) || services[n].LastCheck == 0))} within {Limit.TotalSeconds} s");
            Thread.Sleep(200);
            services = Services();
        }
        return services;
    }

    public void Dispose()
    {
        try { _nagios.Kill(entireProcessTree: true); _nagios.WaitForExit(); } catch (InvalidOperationException) { }
        _nagios.Dispose();
    }
}

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
    private const string Icinga = "/usr/lib/x86_64-linux-gnu/icinga2/sbin/icinga2";
    private const string User = "nagios";
    private readonly Sandbox _box = new();
    private Process? _icinga;

    public void Dispose()
    {
        try { _icinga?.Kill(entireProcessTree: true); _icinga?.WaitForExit(); } catch (InvalidOperationException) { }
        _box.Dispose();
    }

    [Fact]
    public void Icinga_started_as_root_without_HOME_goes_hard_critical_only_at_the_third_failure()
    {
        File.Exists(Icinga).Should().BeTrue("scripts/setup.sh installs icinga2-bin (run the tests with `make test`)");
        var dir = _box.Dir;
        var identifier = "icinga-" + Path.GetFileName(dir); // this run's own check in the nagios user's store
        var check = Path.Combine(dir, "flag-check");
        File.WriteAllText(check, "#!/bin/sh\nif test -e \"$(dirname \"$0\")/up\"; then echo \"service is up\"; exit 0; else echo \"service is down\"; exit 2; fi\n");
        File.SetUnixFileMode(check, (UnixFileMode)0x1ed);
        string[] owned = ["data", "log", "cache", "spool", "run"];
        foreach (var sub in owned) Directory.CreateDirectory(Path.Combine(dir, sub));
        Process.Start("chown", ["-R", $"{User}:{User}", .. owned.Select(s => Path.Combine(dir, s))])!.WaitForExit();
        File.WriteAllText(Path.Combine(dir, "icinga2.conf"), $$"""
            object StatusDataWriter "status" { status_path = "{{dir}}/data/status.dat"; objects_path = "{{dir}}/data/objects.cache"; update_interval = 1s }
            object ExternalCommandListener "command" { command_path = "{{dir}}/run/icinga2.cmd" }
            object CheckerComponent "checker" { }
            object CheckCommand "host_ok" { command = [ "/bin/true" ] }
            object CheckCommand "delayed" { command = [ "{{Installed.BinDir}}/delay-checker", "-c", "3", "--identifier", "{{identifier}}", "--", "{{check}}" ] }
            object Host "localhost" { check_command = "host_ok"; max_check_attempts = 1; check_interval = 1h; enable_active_checks = false }
            object Service "delayed" {
              host_name = "localhost"; check_command = "delayed"; max_check_attempts = 1; check_interval = 1h; retry_interval = 1h
              enable_notifications = false; enable_flapping = false
            }

            """);
        // As Debian's unit starts it: no HOME, nothing that names a store.
        var log = StartIcinga(owned, [$"-DRunAsUser={User}", $"-DRunAsGroup={User}"],
            env => { foreach (var name in new[] { "HOME", "METACHECK_STATE_DIR", "MACKEREL_PLUGIN_WORKDIR", "XDG_STATE_HOME" }) env.Remove(name); });

        try
        {
            var states = new List<ServiceStatus>();
            string? previous = WaitFor(s => true, null, log).Output;
            ServiceStatus.WaitForCommandPipe(Path.Combine(dir, "run", "icinga2.cmd"), _icinga!, TimeSpan.FromSeconds(120));
            foreach (var up in new[] { false, false, false, false, true })
            {
                if (up) File.WriteAllText(Path.Combine(dir, "up"), "");
                long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
                File.AppendAllText(Path.Combine(dir, "run", "icinga2.cmd"), $"[{now}] SCHEDULE_FORCED_SVC_CHECK;localhost;delayed;{now}\n");
                var state = WaitFor(s => s.Output != previous, previous, log);
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
            Process.Start("runuser", ["-u", User, "--", "env", "-u", "HOME", Path.Combine(Installed.BinDir, "metacheck"), "forget", identifier])!.WaitForExit();
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
        string[] owned = ["data", "log", "cache", "spool", "run"];
        foreach (var sub in owned) Directory.CreateDirectory(Path.Combine(dir, sub));
        File.WriteAllText(Path.Combine(dir, "icinga2.conf"), $$"""
            const PluginDir = "{{Installed.NagiosPlugins}}"
            object StatusDataWriter "status" { status_path = "{{dir}}/data/status.dat"; objects_path = "{{dir}}/data/objects.cache"; update_interval = 1s }
            object ExternalCommandListener "command" { command_path = "{{dir}}/run/icinga2.cmd" }
            object CheckerComponent "checker" { }
            object CheckCommand "host_ok" { command = [ "/bin/true" ] }
            object Host NodeName { address = "127.0.0.1"; check_command = "host_ok"; enable_active_checks = false }
            include "{{dir}}/sample.conf"

            """);
        var zone = SampleResults.OfficeHoursZone(); // so that the office-hours service runs its check
        var log = StartIcinga(owned, ["-DRunAsUser=root", "-DRunAsGroup=root", "-DNodeName=localhost"], env =>
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
        var statusFile = Path.Combine(dir, "data", "status.dat");
        var clock = Stopwatch.StartNew();
        Dictionary<string, ServiceStatus> services = [];
        while (!expected.Keys.All(k => services.TryGetValue(k, out var s) && s.Output.Length > 0))
        {
            _icinga!.HasExited.Should().BeFalse(string.Join('\n', log));
            clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(120), $"every service is checked at start: {string.Join('\n', log.TakeLast(30))}");
            long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            if (File.Exists(Path.Combine(dir, "run", "icinga2.cmd"))) // the daemon's pipe: never create it as a plain file
                foreach (var name in expected.Keys)
                    File.AppendAllText(Path.Combine(dir, "run", "icinga2.cmd"), $"[{now}] SCHEDULE_FORCED_SVC_CHECK;localhost;{name};{now}\n");
            Thread.Sleep(1000);
            if (File.Exists(statusFile)) services = ServiceStatus.ParseAll(File.ReadAllText(statusFile));
        }
        foreach (var (name, pattern) in expected)
            services[name].Output.Should().MatchRegex(pattern, name);
    }

    /// <summary>
    /// Starts `icinga2 daemon` on the sandbox's icinga2.conf, its data, log, cache, spool and run directories
    /// the sandbox's <paramref name="owned"/> subdirectories; returns its output as it comes.
    /// </summary>
    private System.Collections.Concurrent.ConcurrentQueue<string> StartIcinga(string[] owned, string[] defines, Action<IDictionary<string, string?>> environment)
    {
        var dir = _box.Dir;
        string[] directories = [.. owned.Zip(["DataDir", "LogDir", "CacheDir", "SpoolDir", "InitRunDir"], (sub, name) => $"-D{name}={dir}/{sub}")];
        var start = new ProcessStartInfo(Icinga, ["daemon", "-c", Path.Combine(dir, "icinga2.conf"), .. directories, .. defines])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = dir,
        };
        environment(start.Environment);
        _icinga = Process.Start(start)!;
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        _icinga.OutputDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        _icinga.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        _icinga.BeginOutputReadLine();
        _icinga.BeginErrorReadLine();
        return log;
    }

    private static string Owner(string path)
    {
        var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%u", path]) { RedirectStandardOutput = true })!;
        var uid = stat.StandardOutput.ReadToEnd().Trim();
        stat.WaitForExit();
        return uid;
    }

    private ServiceStatus WaitFor(Func<ServiceStatus, bool> condition, string? previous, System.Collections.Concurrent.ConcurrentQueue<string> log) =>
        ServiceStatus.WaitFor(Path.Combine(_box.Dir, "data", "status.dat"), _icinga!, TimeSpan.FromSeconds(120), condition,
            () => $"icinga2 exited with {_icinga!.ExitCode}:\n{string.Join('\n', log)}",
            () => $"Icinga 2 reported no check result after '{previous}' within 120 s:\n{string.Join('\n', log.TakeLast(30))}");
}

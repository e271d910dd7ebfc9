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
        string[] defines = [.. owned.Zip(["DataDir", "LogDir", "CacheDir", "SpoolDir", "InitRunDir"], (sub, name) => $"-D{name}={dir}/{sub}"),
            $"-DRunAsUser={User}", $"-DRunAsGroup={User}"];
        var start = new ProcessStartInfo(Icinga, ["daemon", "-c", Path.Combine(dir, "icinga2.conf"), .. defines])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = dir,
        };
        // As Debian's unit starts it: no HOME, nothing that names a store.
        foreach (var name in new[] { "HOME", "METACHECK_STATE_DIR", "MACKEREL_PLUGIN_WORKDIR", "XDG_STATE_HOME" }) start.Environment.Remove(name);
        _icinga = Process.Start(start)!;
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        _icinga.OutputDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        _icinga.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        _icinga.BeginOutputReadLine();
        _icinga.BeginErrorReadLine();

        try
        {
            var states = new List<ServiceStatus>();
            string? previous = WaitFor(s => true, null, log).Output;
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
    public void The_Icinga_2_sample_is_valid_configuration()
    {
        var sample = Path.Combine(Installed.RepoRoot, "samples", "icinga2", "metacheck.conf");
        var dir = _box.Dir;
        File.WriteAllText(Path.Combine(dir, "check.conf"), $$"""
            const PluginDir = "/usr/lib/nagios/plugins"
            object Host NodeName { check_command = "host_ok" }
            object CheckCommand "host_ok" { command = [ "/bin/true" ] }
            include "{{sample}}"

            """);
        var validate = Process.Start(new ProcessStartInfo(Icinga, ["daemon", "-C", "-c", Path.Combine(dir, "check.conf"),
            $"-DDataDir={dir}", $"-DLogDir={dir}", $"-DCacheDir={dir}", $"-DSpoolDir={dir}", $"-DInitRunDir={dir}",
            "-DRunAsUser=root", "-DRunAsGroup=root"]) { RedirectStandardOutput = true })!;
        var output = validate.StandardOutput.ReadToEnd();
        validate.WaitForExit();
        validate.ExitCode.Should().Be(0, output);
        output.Should().Contain("Instantiated 3 Services");
    }

    private static string Owner(string path)
    {
        var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%u", path]) { RedirectStandardOutput = true })!;
        var uid = stat.StandardOutput.ReadToEnd().Trim();
        stat.WaitForExit();
        return uid;
    }

    private ServiceStatus WaitFor(Func<ServiceStatus, bool> condition, string? previous, System.Collections.Concurrent.ConcurrentQueue<string> log) =>
        ServiceStatus.WaitFor(Path.Combine(_box.Dir, "data", "status.dat"), _icinga!, TimeSpan.FromSeconds(30), condition,
            () => $"icinga2 exited with {_icinga!.ExitCode}:\n{string.Join('\n', log)}",
            () => $"Icinga 2 reported no check result after '{previous}' within 30 s:\n{string.Join('\n', log.TakeLast(30))}");
}

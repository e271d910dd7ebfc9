using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace MetaCheck.Tests.Support;

/// <summary>
/// A real Icinga 2 for tests of what the server sees: started as its systemd unit starts it (as root,
/// without HOME, dropping to `nagios`), with the given objects (one host "localhost" is defined), its
/// status.dat, its external command pipe and its compat log (`SERVICE ALERT:` lines, what an operator
/// reads). Checks are forced one at a time; each has max_check_attempts 1 and no schedule of its own.
/// </summary>
public sealed class IcingaDaemon : IDisposable
{
    public const string Binary = "/usr/lib/x86_64-linux-gnu/icinga2/sbin/icinga2";
    public const string User = "nagios";
    private readonly string _dir;
    private readonly Process _icinga;
    private readonly ConcurrentQueue<string> _log = new();

    /// <param name="dir">A directory of the test's own (a sandbox), which nagios can traverse.</param>
    /// <param name="objects">CheckCommand and Service objects (services on host "localhost", address 127.0.0.1).</param>
    /// <param name="runAs">The user the daemon drops to (Debian's unit: nagios).</param>
    /// <param name="environment">Changes to the environment, made after HOME and every store variable are removed.</param>
    public IcingaDaemon(string dir, string objects, string runAs = User, Action<IDictionary<string, string?>>? environment = null)
    {
        File.Exists(Binary).Should().BeTrue("scripts/setup.sh installs icinga2-bin (run the tests with `make test`)");
        _dir = dir;
        string[] owned = ["data", "log", "cache", "spool", "run", "compat"];
        foreach (var sub in owned) Directory.CreateDirectory(Path.Combine(dir, sub));
        Process.Start("chown", ["-R", $"{runAs}:{runAs}", .. owned.Select(s => Path.Combine(dir, s))])!.WaitForExit();
        File.WriteAllText(Path.Combine(dir, "icinga2.conf"), $$"""
            object StatusDataWriter "status" { status_path = "{{dir}}/data/status.dat"; objects_path = "{{dir}}/data/objects.cache"; update_interval = 1s }
            object ExternalCommandListener "command" { command_path = "{{dir}}/run/icinga2.cmd" }
            object CompatLogger "compat" { log_dir = "{{dir}}/compat"; rotation_method = "DAILY" }
            object CheckerComponent "checker" { }
            object CheckCommand "host_ok" { command = [ "/bin/true" ] }
            object Host "localhost" { address = "127.0.0.1"; check_command = "host_ok"; max_check_attempts = 1; check_interval = 1h; enable_active_checks = false }
            template Service "forced" {
              max_check_attempts = 1; check_interval = 1h; retry_interval = 1h; enable_active_checks = false
              enable_notifications = false; enable_flapping = false
            }
            {{objects}}

            """);
        string[] defines = [.. owned.Take(5).Zip(["DataDir", "LogDir", "CacheDir", "SpoolDir", "InitRunDir"], (sub, name) => $"-D{name}={dir}/{sub}"),
            $"-DRunAsUser={runAs}", $"-DRunAsGroup={runAs}", "-DNodeName=localhost"];
        var start = new ProcessStartInfo(Binary, ["daemon", "-c", Path.Combine(dir, "icinga2.conf"), .. defines])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = dir,
        };
        foreach (var name in new[] { "HOME", "METACHECK_STATE_DIR", "MACKEREL_PLUGIN_WORKDIR", "XDG_STATE_HOME" }) start.Environment.Remove(name);
        environment?.Invoke(start.Environment);
        _icinga = Process.Start(start)!;
        _icinga.OutputDataReceived += (_, e) => { if (e.Data is not null) _log.Enqueue(e.Data); };
        _icinga.ErrorDataReceived += (_, e) => { if (e.Data is not null) _log.Enqueue(e.Data); };
        _icinga.BeginOutputReadLine();
        _icinga.BeginErrorReadLine();
    }

    /// <summary>A service's state as status.dat has it.</summary>
    public sealed record Result(int State, bool Hard, string Output, string LongOutput, string Perfdata, long LastHardStateChange, string Block);

    public Result? Read(string service)
    {
        var file = Path.Combine(_dir, "data", "status.dat");
        if (!File.Exists(file)) return null;
        foreach (Match block in Regex.Matches(File.ReadAllText(file), @"servicestatus \{(.*?)\n\s*\}", RegexOptions.Singleline))
        {
            string Field(string name) => Regex.Match(block.Groups[1].Value, $@"\n\s*{name}=(.*)").Groups[1].Value.Trim();
            if (Field("service_description") != service) continue;
            return new Result(int.Parse(Field("current_state")), Field("state_type") == "1", Field("plugin_output"), Field("long_plugin_output"),
                Field("performance_data"), long.Parse(Field("last_hard_state_change")), block.Value);
        }
        return null;
    }

    /// <summary>Forces one check of <paramref name="service"/> and waits (at most <paramref name="limit"/>) for a result that <paramref name="done"/> accepts.</summary>
    public Result Check(string service, Func<Result, bool> done, TimeSpan? limit = null)
    {
        // Generous: only a failing run waits this long, and a machine at load 50 starts the daemon slowly.
        var wait = limit ?? TimeSpan.FromSeconds(120);
        var clock = Stopwatch.StartNew();
        while (Read(service) is null && clock.Elapsed < wait) Pause();
        // Writing before the daemon made its pipe would create a plain file it never reads.
        var pipe = Path.Combine(_dir, "run", "icinga2.cmd");
        ServiceStatus.WaitForCommandPipe(pipe, _icinga, wait - clock.Elapsed);
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        File.AppendAllText(pipe, $"[{now}] SCHEDULE_FORCED_SVC_CHECK;localhost;{service};{now}\n");
        while (clock.Elapsed < wait)
        {
            if (Read(service) is { } r && done(r)) return r;
            Pause();
        }
        throw new TimeoutException($"Icinga 2 reported no accepted result of {service} within {wait.TotalSeconds} s; now: {Read(service)?.Block}\n{string.Join('\n', _log.TakeLast(30))}");
    }

    private void Pause()
    {
        if (_icinga.HasExited) throw new InvalidOperationException($"icinga2 exited with {_icinga.ExitCode}:\n{string.Join('\n', _log)}");
        Thread.Sleep(100);
    }

    /// <summary>The `SERVICE ALERT:` lines of the compat log for <paramref name="service"/>: state;type;attempt;output.</summary>
    public IReadOnlyList<string> Alerts(string service)
    {
        var prefix = $"SERVICE ALERT: localhost;{service};";
        return Directory.GetFiles(Path.Combine(_dir, "compat"), "*.log", SearchOption.AllDirectories)
            .SelectMany(File.ReadAllLines).Select(l => l.IndexOf(prefix, StringComparison.Ordinal) is var i and >= 0 ? l[(i + prefix.Length)..].TrimEnd() : null)
            .OfType<string>().ToList();
    }

    /// <summary>Runs a command as the nagios user, as Debian's unit would give it the environment (no HOME).</summary>
    public static CmdResult RunAsNagios(params string[] argv)
    {
        var info = new ProcessStartInfo("runuser", ["-u", User, "--", "env", "-u", "HOME", "-u", "METACHECK_STATE_DIR", .. argv])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{string.Join(' ', argv)} as {User} did not finish");
        }
        p.WaitForExit();
        return new CmdResult(p.ExitCode, stdout.Result, stderr.Result, TimeSpan.Zero);
    }

    public void Dispose()
    {
        try { _icinga.Kill(entireProcessTree: true); _icinga.WaitForExit(); } catch (InvalidOperationException) { }
        _icinga.Dispose();
    }
}

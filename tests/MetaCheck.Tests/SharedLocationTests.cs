using System.Diagnostics;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests;

/// <summary>
/// No other local user can switch history off: the agent's shared work directory, the per-user
/// directories in it, users without a home, HOME kept from another user, a store swapped for a FIFO.
/// Each test makes throwaway users (useradd) and removes them (userdel).
/// </summary>
public sealed class SharedLocationTests : IDisposable
{
    private readonly Sandbox _box = new();
    private readonly List<string> _users = [];

    public SharedLocationTests() => File.SetUnixFileMode(_box.Dir, (UnixFileMode)0x1ed); // 0755: other users reach the work directory

    public void Dispose()
    {
        foreach (var user in _users) Sh($"userdel -r {user} 2>/dev/null || userdel {user}");
        _box.Dispose();
    }

    private static CmdResult Sh(string command)
    {
        using var p = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", command]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return new CmdResult(p.ExitCode, stdout.Result, stderr.Result, TimeSpan.Zero);
    }

    /// <summary>A new user; <paramref name="home"/> false gives it /nonexistent, as Debian's daemon users have.</summary>
    private (string Name, uint Uid) NewUser(bool home)
    {
        var name = "mc" + Guid.NewGuid().ToString("N")[..10];
        var made = Sh(home ? $"useradd -m -d {_box.PathOf(name)} -s /bin/sh {name}" : $"useradd -M -d /nonexistent -s /bin/sh {name}");
        made.Exit.Should().Be(0, made.ToString());
        _users.Add(name);
        return (name, uint.Parse(Sh($"id -u {name}").Stdout.Trim()));
    }

    private string Workdir(UnixFileMode mode)
    {
        var workdir = _box.PathOf("mackerel-agent");
        Directory.CreateDirectory(workdir);
        File.SetUnixFileMode(workdir, mode);
        return workdir;
    }

    /// <summary>A command as mackerel-agent runs a check with `user = ...`: another uid, the agent's work directory, HOME as given.</summary>
    private CmdResult As(string user, string? workdir, string? home, params string[] args) => _box.Shell(
        $"exec runuser -u {user} -- env -u METACHECK_STATE_DIR -u XDG_STATE_HOME -u HOME -u MACKEREL_PLUGIN_WORKDIR " +
        $"{(home is null ? "" : $"HOME={home}")} {(workdir is null ? "" : $"MACKEREL_PLUGIN_WORKDIR={workdir}")} {string.Join(' ', args.Select(a => $"'{a}'"))}");

    private static string[] Check => [Path.Combine(Installed.BinDir, "delay-checker"), "-c", "3", "--", "sh", "-c", "echo down; exit 2"];

    private void KeepsHistory(string user, string? workdir, string? home)
    {
        foreach (var expected in new[] { "DelayWarn(1/3): down\n", "DelayWarn(2/3): down\n", "DelayNG(3/3): down\n" })
        {
            var r = As(user, workdir, home, Check);
            r.Stdout.Should().Be(expected, r.ToString());
        }
    }

    [Fact]
    public void A_work_directory_other_users_may_change_is_passed_over_visibly_and_renaming_in_it_changes_nothing()
    {
        // The agent's directory as its unit makes it (0777, not sticky) before any run of root's made it sticky.
        var workdir = Workdir((UnixFileMode)0x1ff);
        var victim = NewUser(home: true);
        var attacker = NewUser(home: true);
        var first = As(victim.Name, workdir, null, Check);
        first.Stdout.Should().Be("DelayWarn(1/3): down\n", first.ToString());
        first.Stderr.Should().Contain($"not using MACKEREL_PLUGIN_WORKDIR: {workdir} is writable by other users without the sticky bit")
            .And.Contain("chmod +t").And.Contain($"history is kept in {_box.PathOf(victim.Name)}/.local/state/metacheck");
        // What an attacker did before: move the store's directory away, so that the next run started afresh.
        As(attacker.Name, workdir, null, "sh", "-c", $"mkdir -p {workdir}/metacheck && mv {workdir}/metacheck {workdir}/gone");
        As(victim.Name, workdir, null, Check).Stdout.Should().Be("DelayWarn(2/3): down\n");
        var doctor = As(victim.Name, workdir, null, Path.Combine(Installed.BinDir, "metacheck"), "doctor");
        doctor.Stdout.Should().Contain($"WARN  not using MACKEREL_PLUGIN_WORKDIR: {workdir} is writable by other users without the sticky bit");
        // Root's doctor names the setup for the agent's usual check user too, with the fix.
        _box.Env["METACHECK_STATE_DIR"] = null;
        _box.Env["MACKEREL_PLUGIN_WORKDIR"] = workdir;
        _box.Run("metacheck", "doctor").Stdout.Should().Contain(
            $"WARN  mackerel-agent checks with user = \"nagios\": not using MACKEREL_PLUGIN_WORKDIR: {workdir} is writable by other users without the sticky bit, so they could move the store away; fix: chmod +t {workdir}");
    }

    [Fact]
    public void A_component_of_the_path_to_the_work_directory_that_others_may_write_is_refused_too()
    {
        var open = _box.PathOf("open");
        Directory.CreateDirectory(open);
        File.SetUnixFileMode(open, (UnixFileMode)0x1ff); // 0777, not sticky: anyone could rename mackerel-agent in it
        var workdir = Path.Combine(open, "mackerel-agent");
        Directory.CreateDirectory(workdir);
        File.SetUnixFileMode(workdir, (UnixFileMode)0x3ff);
        var user = NewUser(home: true);
        var r = As(user.Name, workdir, null, Check);
        r.Stdout.Should().Be("DelayWarn(1/3): down\n", r.ToString());
        r.Stderr.Should().Contain($"not using MACKEREL_PLUGIN_WORKDIR: {open} is writable by other users without the sticky bit");
    }

    [Fact]
    public void Root_makes_its_own_work_directory_sticky_and_then_every_user_keeps_history_in_it()
    {
        var workdir = Workdir((UnixFileMode)0x1ff);
        _box.Env["METACHECK_STATE_DIR"] = null;
        _box.Env["MACKEREL_PLUGIN_WORKDIR"] = workdir;
        _box.Run("delay-checker", ["-c", "3", "--", "sh", "-c", "echo down; exit 2"]).Stderr.Should().BeEmpty();
        File.GetUnixFileMode(workdir).Should().Be((UnixFileMode)0x3ff, "root's run adds the sticky bit to its own directory");
        var user = NewUser(home: false);
        KeepsHistory(user.Name, workdir, null);
        Directory.Exists(Path.Combine(workdir, "metacheck", user.Uid.ToString())).Should().BeTrue();
    }

    [Fact]
    public void Another_user_cannot_squat_the_per_user_directory()
    {
        var workdir = Workdir((UnixFileMode)0x3ff); // sticky, as root's first run leaves it
        var victim = NewUser(home: false);
        var attacker = NewUser(home: false);
        var shared = Path.Combine(workdir, "metacheck");
        Directory.CreateDirectory(shared);
        File.SetUnixFileMode(shared, (UnixFileMode)0x3ff);
        var squat = As(attacker.Name, workdir, null, "sh", "-c",
            $"mkdir {shared}/{victim.Uid} {shared}/{victim.Uid}.0 && chmod 777 {shared}/{victim.Uid} && ln -s /tmp {shared}/{victim.Uid}.00");
        squat.Exit.Should().Be(0, squat.ToString());
        KeepsHistory(victim.Name, workdir, null);
        var own = Directory.GetDirectories(shared, $"{victim.Uid}.*").Where(d => Path.GetFileName(d) != victim.Uid.ToString() && Sh($"stat -c %u {d}").Stdout.Trim() == victim.Uid.ToString()).ToList();
        own.Should().ContainSingle("the victim's directory is one of its own beside the squatted name");
        File.Exists(Path.Combine(own[0], "metacheck.db")).Should().BeTrue();
        RootsMetrics(workdir).Should().ContainMatch($"metacheck.failure_streak.{victim.Name}_*\t3\t*", "root's metrics cover the directory beside the squatted name");
    }

    /// <summary>`metacheck metrics` as root naming no store: every user's checks on the host.</summary>
    private string[] RootsMetrics(string? workdir)
    {
        _box.Env["METACHECK_STATE_DIR"] = null;
        _box.Env["MACKEREL_PLUGIN_WORKDIR"] = workdir;
        var r = _box.Run("metacheck", "metrics");
        r.Exit.Should().Be(0, r.ToString());
        return r.Lines;
    }

    [Fact]
    public void A_user_without_a_home_keeps_history_when_another_user_made_the_shared_directory_first()
    {
        var workdir = Workdir((UnixFileMode)0x3ff);
        var early = NewUser(home: false);
        var late = NewUser(home: false);
        KeepsHistory(early.Name, workdir, null); // makes metacheck/, owned by early
        Sh($"stat -c %u {workdir}/metacheck").Stdout.Trim().Should().Be(early.Uid.ToString());
        KeepsHistory(late.Name, workdir, null); // its home is /nonexistent: the shared directory is its only place
        As(early.Name, workdir, null, Check).Stdout.Should().Be("DelayNG(4/3): down\n", "the first user keeps its own history");
    }

    [Fact]
    public void An_agent_HOME_of_root_kept_for_a_check_user_falls_back_to_its_own_home_and_status_and_doctor_say_so()
    {
        var user = NewUser(home: true);
        KeepsHistory(user.Name, null, "/root");
        File.Exists(Path.Combine(_box.PathOf(user.Name), ".local", "state", "metacheck", "metacheck.db")).Should().BeTrue();
        var status = As(user.Name, null, "/root", Path.Combine(Installed.BinDir, "metacheck"), "status");
        status.Exit.Should().Be(0, status.ToString());
        status.Stdout.Should().Contain("echo down").And.NotContain("internal error");
        var doctor = As(user.Name, null, "/root", Path.Combine(Installed.BinDir, "metacheck"), "doctor");
        doctor.Stdout.Should().Contain("HOME=/root belongs to uid 0").And.NotContain("internal error");
    }

    [Fact]
    public void A_check_user_without_a_home_keeps_history_in_a_directory_of_its_own_and_doctor_says_where()
    {
        var user = NewUser(home: false);
        const string parent = "/var/tmp/metacheck";
        bool made = !Directory.Exists(parent);
        if (made)
        {
            Directory.CreateDirectory(parent);
            File.SetUnixFileMode(parent, (UnixFileMode)0x3ff);
        }
        try
        {
            KeepsHistory(user.Name, null, "/root"); // no work directory, and the agent's HOME: nothing of its own but /var/tmp
            Sh($"stat -c %u {parent}/{user.Uid}/metacheck.db").Stdout.Trim().Should().Be(user.Uid.ToString());
            var doctor = As(user.Name, null, "/root", Path.Combine(Installed.BinDir, "metacheck"), "doctor");
            doctor.Stdout.Should().Contain("WARN  no home of its own (HOME=/root belongs to uid 0 and the passwd home /nonexistent does not exist); " +
                $"history is kept in {parent}/{user.Uid}");
            RootsMetrics(null).Should().ContainMatch($"metacheck.failure_streak.{user.Name}_*\t3\t*", "root's metrics cover users without a home");
        }
        finally
        {
            Sh($"rm -rf {parent}/{user.Uid}");
            if (made) Sh($"rmdir {parent}");
        }
    }

    [Fact]
    public void A_store_swapped_for_a_FIFO_in_a_loop_hangs_neither_status_nor_doctor()
    {
        var owner = NewUser(home: true);
        var dir = _box.PathOf("swapped");
        Directory.CreateDirectory(dir);
        Sh($"chown {owner.Name} {dir}");
        As(owner.Name, null, null, [Path.Combine(Installed.BinDir, "delay-checker"), "--state-dir", dir, "--", "true"]).Exit.Should().Be(0);
        // The owner swaps the store and a FIFO back and forth (rename is atomic), as fast as it can.
        var loop = As(owner.Name, null, null, "sh", "-c",
            $"cd {dir} && cp metacheck.db real && mkfifo fifo && (while :; do ln -f fifo a; mv -f a metacheck.db; ln -f real b; mv -f b metacheck.db; done) >/dev/null 2>&1 & echo $!");
        int pid = int.Parse(loop.Stdout.Trim());
        try
        {
            for (int i = 0; i < 40; i++)
            {
                var r = _box.Run("metacheck", [i % 4 == 0 ? "doctor" : "status", "--state-dir", dir], stdin: null, limit: TimeSpan.FromSeconds(20));
                r.Stdout.Should().NotContain("internal error");
                r.Stderr.Should().NotContain("internal error");
            }
        }
        finally
        {
            Sh($"kill {pid}");
        }
    }
}

using System.Diagnostics;
using System.Text.Json;
using MetaCheck.State;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests;

/// <summary>Where the store is when agents start checks (issue 12), and what a wrapper says when there is none.</summary>
public sealed class StoreLocationTests : IDisposable
{
    private const string OtherUser = "nagios"; // created by icinga2-common (scripts/setup.sh)
    private readonly Sandbox _box = new();

    public void Dispose() => _box.Dispose();

    private static string[] Down => ["sh", "-c", "echo down; exit 2"];

    /// <summary>A wrapper as the agent runs it with `user = "nagios"`: another uid, no HOME.</summary>
    private CmdResult RunAs(string user, string workdir, params string[] args) => _box.Shell(
        $"exec runuser -u {user} -- env -u HOME -u METACHECK_STATE_DIR MACKEREL_PLUGIN_WORKDIR={workdir} {string.Join(' ', args.Select(a => $"'{a}'"))}");

    [Fact]
    [Trait("Kind", "InProcess")] // calls the rules directly: `make mutation` runs it
    public void Passwd_gives_the_home_directory_when_HOME_is_unset()
    {
        Posix.HomeDirectory(0).Should().Be("/root");
        Posix.HomeDirectory(4_000_000_000).Should().BeNull();
        Posix.UserName(0).Should().Be("root");
        Posix.UserName(4_000_000_000).Should().BeNull();
        var home = _box.PathOf("home");
        Directory.CreateDirectory(home);
        Process.Start("chown", ["1000", home])!.WaitForExit();
        StateDirectory.Resolve(null, _ => null, 1000, uid => uid == 1000 ? home : null)
            .Should().Be(new StateLocation($"{home}/.local/state/metacheck", "HOME unset: home directory from passwd"));
        var none = () => StateDirectory.Resolve(null, _ => null, 1000, _ => null);
        none.Should().Throw<StateUnavailableException>().WithMessage("*HOME is not set and uid 1000 has no home directory in passwd*");
    }

    [Fact]
    public void A_state_directory_that_cannot_be_made_is_named_with_the_reason_in_plain_words()
    {
        // The operator reads this line in the agent's output; the AOT build has no framework texts to show.
        var unwritable = "/sys/metacheck-test-state"; // sysfs refuses mkdir, even to root
        var r = _box.Run("delay-checker", ["--state-dir", unwritable, "--", .. Down]);
        (r.Exit, r.Stdout).Should().Be((2,
            $"down\ndelay-checker: no run history (cannot create state directory {unwritable}: permission denied); reporting the check's own result\n"));
        r.Stderr.Should().Be($"metacheck: delay-checker: cannot create state directory {unwritable}: permission denied; reporting the check's own result without history\n");
    }

    [Fact]
    [Trait("Kind", "InProcess")] // calls the rules directly: `make mutation` runs it
    public void A_relative_XDG_STATE_HOME_is_ignored()
    {
        var home = _box.PathOf("u");
        Directory.CreateDirectory(home);
        Process.Start("chown", ["1000", home])!.WaitForExit();
        StateDirectory.Resolve(null, n => n switch { "HOME" => home, "XDG_STATE_HOME" => "rel/state", _ => null }, 1000)
            .Path.Should().Be($"{home}/.local/state/metacheck");
    }

    [Fact]
    public void A_parent_another_user_may_write_through_its_group_is_refused()
    {
        // As a directory of the nagios user made 0775: anyone in its group could move the store away.
        var parent = _box.PathOf("nagios-home");
        Directory.CreateDirectory(parent);
        Process.Start("chown", [OtherUser, parent])!.WaitForExit();
        File.SetUnixFileMode(parent, (UnixFileMode)0x1fd); // 0775
        var r = _box.Run("delay-checker", ["--state-dir", Path.Combine(parent, "state"), "--", .. Down]);
        (r.Exit, r.Lines[0]).Should().Be((2, "down"), "the check's own result, without history");
        r.Lines[1].Should().StartWith("delay-checker: no run history (refusing state directory").And.Contain($"its parent {parent} is writable by others");
    }

    [Fact]
    public void Every_user_of_a_shared_MACKEREL_PLUGIN_WORKDIR_gets_a_store_of_its_own()
    {
        // As mackerel-agent's unit makes it: mkdir -m 777 (world-writable, not sticky).
        var workdir = _box.PathOf("mackerel-agent");
        Directory.CreateDirectory(workdir);
        File.SetUnixFileMode(workdir, (UnixFileMode)0x1ff);
        _box.Env["METACHECK_STATE_DIR"] = null;
        _box.Env["MACKEREL_PLUGIN_WORKDIR"] = workdir;

        _box.Run("delay-checker", ["-c", "3", "--", .. Down]).Stdout.Should().Be("DelayWarn(1/3): down\n", "root's run comes first");
        var first = RunAs(OtherUser, workdir, Path.Combine(Installed.BinDir, "delay-checker"), "-c", "3", "--", "sh", "-c", "echo down; exit 2");
        var second = RunAs(OtherUser, workdir, Path.Combine(Installed.BinDir, "delay-checker"), "-c", "3", "--", "sh", "-c", "echo down; exit 2");
        (first.Exit, first.Stdout).Should().Be((0, "DelayWarn(1/3): down\n"), first.ToString());
        (second.Exit, second.Stdout).Should().Be((0, "DelayWarn(2/3): down\n"), second.ToString());
        _box.Run("delay-checker", ["-c", "3", "--", .. Down]).Stdout.Should().Be("DelayWarn(2/3): down\n", "root keeps its own streak");

        var shared = Path.Combine(workdir, "metacheck");
        File.GetUnixFileMode(shared).Should().Be((UnixFileMode)0x3ff, "the shared directory is sticky, like /tmp");
        var uid = Process.Start(new ProcessStartInfo("id", ["-u", OtherUser]) { RedirectStandardOutput = true })!.StandardOutput.ReadToEnd().Trim();
        File.GetUnixFileMode(Path.Combine(shared, uid)).Should().Be((UnixFileMode)0x1c0);
        File.GetUnixFileMode(Path.Combine(shared, "0")).Should().Be((UnixFileMode)0x1c0);

        // Root reads the other user's store read-only: no refusal, no advice to delete it, no data written
        // (SQLite may refresh its -shm index, a cache), nothing handed to root.
        string[] data = [Path.Combine(shared, uid, "metacheck.db"), Path.Combine(shared, uid, "metacheck.db-wal")];
        var before = data.ToDictionary(f => f, File.GetLastWriteTimeUtc);
        var status = _box.Run("metacheck", "status", "--json", "--state-dir", Path.Combine(shared, uid));
        status.Exit.Should().Be(0, status.ToString());
        JsonDocument.Parse(status.Stdout).RootElement[0].GetProperty("streak").GetInt64().Should().Be(2);
        var history = _box.Run("metacheck", "history", "--state-dir", Path.Combine(shared, uid), "echo down");
        history.Exit.Should().Be(0, history.ToString());
        history.Stdout.Should().Contain("timeline ss").And.NotContain("remove it");
        data.ToDictionary(f => f, File.GetLastWriteTimeUtc).Should().Equal(before);
        _box.Shell($"stat -c %u {Path.Combine(shared, uid)}/*").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().OnlyContain(o => o == uid);
        var doctor = _box.Run("metacheck", "doctor", "--state-dir", Path.Combine(shared, uid));
        doctor.Stdout.Should().Contain($"belongs to uid {uid}").And.Contain("store ").And.NotContain("is refused")
            .And.Contain($"info  store of {OtherUser} (uid {uid}) for Icinga 2/Nagios as Debian starts them: ")
            .And.Contain($"for mackerel-agent checks with user = \"{OtherUser}\": {shared}/{uid} (1 checks, 2 runs)");
    }

    [Fact]
    public void A_mute_that_comes_before_any_run_makes_the_shared_directory_as_a_wrapper_would()
    {
        var workdir = _box.PathOf("mackerel-agent");
        Directory.CreateDirectory(workdir);
        File.SetUnixFileMode(workdir, (UnixFileMode)0x3ff); // sticky, as root's first run leaves it (a non-sticky one is passed over)
        _box.Env["METACHECK_STATE_DIR"] = null;
        _box.Env["MACKEREL_PLUGIN_WORKDIR"] = workdir;

        var mute = RunAs(OtherUser, workdir, Path.Combine(Installed.BinDir, "metacheck"), "mute", "--for", "10m", "--reason", "deploy");
        mute.Exit.Should().Be(0, mute.ToString());
        File.GetUnixFileMode(Path.Combine(workdir, "metacheck")).Should().Be((UnixFileMode)0x3ff, "the first writer, whoever it is, makes the shared sticky directory");
        var muted = RunAs(OtherUser, workdir, Path.Combine(Installed.BinDir, "delay-checker"), "--", "sh", "-c", "echo down; exit 2");
        muted.Exit.Should().Be(0, muted.ToString());
        muted.Lines[0].Should().StartWith("OK: muted until ").And.EndWith("(deploy)", "the wrapper finds the mute in the same store");
    }

    [Fact]
    public void A_shared_directory_another_user_made_is_passed_over_for_one_of_our_own_beside_it()
    {
        // Whoever runs first makes $MACKEREL_PLUGIN_WORKDIR/metacheck. If that was another user (not
        // root), its owner could move our store away: root makes one of its own beside it, and says why.
        var workdir = _box.PathOf("mackerel-agent");
        var shared = Path.Combine(workdir, StateDirectory.SharedDirName);
        Directory.CreateDirectory(shared);
        Process.Start("chown", ["65534", shared])!.WaitForExit();
        Func<string, string?> env = name => name == "MACKEREL_PLUGIN_WORKDIR" ? workdir : null;

        var root = StateDirectory.Resolve(null, env, 0);
        root.Source.Should().Contain($"{shared} belongs to uid 65534: the first run makes a directory of its own beside it");
        StateDirectory.Resolve(null, env, 65534).Should().Be(
            new StateLocation(Path.Combine(shared, "65534"), "MACKEREL_PLUGIN_WORKDIR", SharedIn: workdir));
        _box.Env["METACHECK_STATE_DIR"] = null;
        _box.Env["MACKEREL_PLUGIN_WORKDIR"] = workdir;
        _box.Run("delay-checker", ["-c", "3", "--", .. Down]).Stdout.Should().Be("DelayWarn(1/3): down\n");
        _box.Run("delay-checker", ["-c", "3", "--", .. Down]).Stdout.Should().Be("DelayWarn(2/3): down\n");
        Directory.GetDirectories(workdir, "metacheck.*").Where(d => d != shared).Should().ContainSingle("root's own, beside the other user's");
    }

    [Fact]
    public void Without_a_usable_store_the_wrapper_says_so_in_its_own_output()
    {
        var real = _box.PathOf("elsewhere");
        Directory.CreateDirectory(real);
        File.CreateSymbolicLink(_box.StateDir, real);
        var failOpen = _box.Run("delay-checker", ["-c", "3", "--", .. Down]);
        failOpen.Exit.Should().Be(2, "the default is unchanged: the check's own result");
        failOpen.Lines.Should().HaveCount(2);
        failOpen.Lines[0].Should().Be("down");
        failOpen.Lines[1].Should().StartWith("delay-checker: no run history (refusing state directory").And.Contain("it is a symlink");

        var unknown = _box.Run("delay-checker", ["-c", "3", "--no-history", "UNKNOWN", "--", .. Down]);
        unknown.Exit.Should().Be(3);
        unknown.Lines[0].Should().StartWith("UNKNOWN: delay-checker: no run history (");
        unknown.Lines[1].Should().Be("down");

        var healthy = _box.Run("delay-checker", ["-c", "3", "--no-history", "UNKNOWN", "--state-dir", _box.PathOf("fine"), "--", .. Down]);
        (healthy.Exit, healthy.Stdout).Should().Be((0, "DelayWarn(1/3): down\n"), "--no-history only matters without a store");
    }
}

using MetaCheck.Core;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests;

/// <summary>
/// Runs only where the kernel gives this process a cgroup v2 subtree it may write, with cgroup.kill
/// (Linux 5.14+): elsewhere the wrappers cannot do what is tested, and the test says why it skipped.
/// </summary>
public sealed class CgroupFactAttribute : FactAttribute
{
    public CgroupFactAttribute()
    {
        // The test process is in the cgroup the wrappers it starts will be in: if it can make one, so can they.
        using var probe = InnerCgroup.TryCreate(out var whyNot);
        if (whyNot is not null) Skip = whyNot;
    }
}

/// <summary>Issue 20, item 7: an inner command that keeps changing its pid is still ended, through its cgroup.</summary>
public sealed class CgroupKillTests : IDisposable
{
    private readonly Sandbox _box = new();

    public void Dispose()
    {
        // Whatever is left stops itself at its next hop (see the script): no process is killed by name.
        File.WriteAllText(_box.PathOf("stop"), "");
        Thread.Sleep(300);
        _box.Dispose();
    }

    [CgroupFact]
    public void The_command_gets_a_cgroup_of_its_own_only_when_asked()
    {
        // Opt-in: stepping into a cgroup costs every run a wait for the kernel's cgroup lock.
        string CgroupOfTheCommand() => _box.Run("delay-checker", "--", "sh", "-c", "grep '^0::' /proc/self/cgroup").Stdout;
        CgroupOfTheCommand().Should().NotContain("metacheck-", "without METACHECK_CGROUP=1 the command stays in the wrapper's cgroup");
        _box.Env[InnerCgroup.EnvVar] = "1";
        CgroupOfTheCommand().Should().MatchRegex(@"^0::/(.*/)?metacheck-\d+-[0-9a-f]+\n$");
    }

    [CgroupFact]
    public void A_process_that_re_forks_into_a_new_session_every_few_milliseconds_does_not_outlive_the_timeout()
    {
        // Each hop ignores SIGTERM, marks that it ran, starts its successor in a new session and exits:
        // its pid changes all the time, and no process stays a descendant of the group for long. None
        // holds the wrapper's output or this test's pipes.
        var hop = _box.PathOf("hop.sh");
        File.WriteAllText(hop, """
            #!/bin/sh
            trap '' TERM
            [ -e "$1/stop" ] && exit 0
            : > "$1/alive"
            sleep 0.003
            setsid "$0" "$1" </dev/null >/dev/null 2>&1 &
            exit 0
            """.Replace("\r", ""));
        File.SetUnixFileMode(hop, (UnixFileMode)0x1ed);

        _box.Env[InnerCgroup.EnvVar] = "1";
        var run = _box.Run("delay-checker", "--timeout", "1", "--", "sh", "-c", "\"$0\" \"$1\" >/dev/null 2>&1; sleep 30", hop, _box.Dir);
        run.Stdout.Should().Contain("timed out after 1 s and was killed", run.ToString());
        File.Exists(_box.PathOf("alive")).Should().BeTrue("the hops ran before the timeout");

        // Anything left would mark again within milliseconds; give it a generous second.
        File.Delete(_box.PathOf("alive"));
        Thread.Sleep(1000);
        File.Exists(_box.PathOf("alive")).Should().BeFalse("no hop may outlive the wrapper");
    }
}

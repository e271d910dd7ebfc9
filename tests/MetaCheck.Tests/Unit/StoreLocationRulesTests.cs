using System.Diagnostics;
using MetaCheck.State;

namespace MetaCheck.Tests.Unit;

/// <summary>Where the store goes and which parent directories make it unsafe, without running a wrapper.</summary>
public sealed class StoreLocationRulesTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "metacheck-rules-" + Guid.NewGuid().ToString("N")[..12]);

    public StoreLocationRulesTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_relative_HOME_is_ignored_like_a_relative_XDG_STATE_HOME()
    {
        // A relative home would put the store wherever the agent's working directory happens to be.
        var home = Path.Combine(_dir, "home");
        Directory.CreateDirectory(home);
        Process.Start("chown", ["1000", home])!.WaitForExit(); // the user's own, as passwd homes are
        StateDirectory.Resolve(null, n => n == "HOME" ? "rel/home" : null, 1000, uid => uid == 1000 ? home : null)
            .Should().Be(new StateLocation($"{home}/.local/state/metacheck", "HOME unset: home directory from passwd"));
        StateDirectory.Resolve(null, n => n == "HOME" ? home : null, 1000, _ => "/var/lib/nagios").Path
            .Should().Be($"{home}/.local/state/metacheck", "an absolute HOME of the user's own comes before passwd");
        StateDirectory.Resolve(null, n => n == "HOME" ? home : null, 1000).Source.Should().Be("default (~/.local/state)");
    }

    [Fact]
    public void Each_location_says_which_rule_chose_it()
    {
        StateDirectory.Resolve("/x", _ => null, 1000).Should().Be(new StateLocation("/x", "--state-dir"));
        StateDirectory.Resolve(null, n => n == "HOME" ? "/root" : null, 0).Should().Be(new StateLocation("/var/lib/metacheck", "default for root"));
        StateDirectory.Resolve(null, n => n == "XDG_STATE_HOME" ? "/xdg" : null, 1000).Should().Be(new StateLocation("/xdg/metacheck", "XDG_STATE_HOME"));
    }

    [Fact]
    public void A_relative_home_in_passwd_is_no_home()
    {
        var relative = () => StateDirectory.Resolve(null, _ => null, 1000, _ => "var/lib/nagios");
        relative.Should().Throw<StateUnavailableException>().WithMessage("*uid 1000 has no home directory in passwd*");
    }

    /// <summary>
    /// A parent that someone other than us (or root) may write is refused: through "other" unless the
    /// sticky bit protects our entry, and through the group when another user owns it (nagios, 0775).
    /// </summary>
    [Theory]
    [InlineData("root", 0x1ed, null)]              // 0755
    [InlineData("root", 0x1fd, null)]              // 0775: root's group is root's
    [InlineData("root", 0x1ff, "writable by everyone without the sticky bit")]
    [InlineData("root", 0x3ff, null)]              // 1777, like /tmp
    [InlineData("nagios", 0x1ed, null)]            // another user's 0755: only its owner writes it
    [InlineData("nagios", 0x1fd, "writable by others and owned by uid")]
    [InlineData("nagios", 0x1f5, "writable by others and owned by uid")] // 0765: group-writable only
    [InlineData("nagios", 0x1ef, "writable by everyone without the sticky bit")] // 0757
    public void A_parent_anyone_else_may_write_is_refused(string owner, int mode, string? problem)
    {
        // The tests run as root (they start daemons and change owners).
        var parent = Path.Combine(_dir, "parent");
        Directory.CreateDirectory(parent);
        Process.Start("chown", [owner, parent])!.WaitForExit();
        File.SetUnixFileMode(parent, (UnixFileMode)mode);
        var found = StateDirectory.ParentProblem(Path.Combine(parent, "state"));
        if (problem is null) found.Should().BeNull();
        else found.Should().Contain(problem).And.Contain(parent);
    }
}

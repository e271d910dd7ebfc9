using MetaCheck.Tests.Support;

namespace MetaCheck.Tests;

public sealed class DoctorTests : IDisposable
{
    private readonly Sandbox _box = new();

    public void Dispose() => _box.Dispose();

    [Fact]
    public void A_healthy_installation_is_all_ok()
    {
        _box.Run("delay-checker", "--", "true");
        var r = _box.Run("metacheck", "doctor");
        r.Exit.Should().Be(0, r.ToString());
        r.Stdout.Should().Contain("ok    all ").And.Contain("command names resolve in PATH to this binary")
            .And.Contain($"ok    state directory {_box.StateDir} (METACHECK_STATE_DIR): uid 0, mode 0700")
            .And.MatchRegex(@"ok    store .*: 1 checks, 1 runs, [\d.]+ MiB, quick_check ok");
    }

    [Fact]
    public void Missing_links_are_something_to_fix()
    {
        _box.Env["PATH"] = "/usr/bin:/bin";
        var r = _box.Run("metacheck", "doctor");
        r.Exit.Should().Be(2);
        r.Stdout.Should().MatchRegex(@"FIX   not in PATH: delay-checker, interval-checker, .*; run 'make install");
    }

    [Fact]
    public void A_refused_state_directory_and_an_unreadable_store_are_something_to_fix()
    {
        var real = _box.PathOf("real");
        Directory.CreateDirectory(real);
        File.CreateSymbolicLink(_box.StateDir, real);
        var symlinked = _box.Run("metacheck", "doctor");
        symlinked.Exit.Should().Be(2);
        symlinked.Stdout.Should().Contain($"FIX   state directory {_box.StateDir} (METACHECK_STATE_DIR) is refused: it is a symlink");

        _box.Env["METACHECK_STATE_DIR"] = real;
        File.WriteAllBytes(Path.Combine(real, "metacheck.db"), Enumerable.Repeat((byte)7, 4096).ToArray());
        var corrupt = _box.Run("metacheck", "doctor");
        corrupt.Exit.Should().Be(2);
        corrupt.Stdout.Should().Contain($"FIX   cannot read {real}/metacheck.db");
        File.Exists(Path.Combine(real, "metacheck.db")).Should().BeTrue("doctor only looks; it does not repair");
    }

    [Fact]
    public void A_store_not_yet_created_is_fine_and_not_created()
    {
        var r = _box.Run("metacheck", "doctor");
        r.Exit.Should().Be(0);
        r.Stdout.Should().Contain("does not exist yet; the first wrapper run creates it 0700");
        Directory.Exists(_box.StateDir).Should().BeFalse();
    }
}

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

    [Theory]
    [InlineData("1")]
    [InlineData("0")] // the Go plugins print graph definitions for any non-empty value, 0 included
    public void A_plugin_meta_variable_left_in_the_environment_is_a_warning(string value)
    {
        _box.Env["MACKEREL_AGENT_PLUGIN_META"] = value;
        var r = _box.Run("metacheck", "doctor");
        r.Stdout.Should().Contain("WARN  MACKEREL_AGENT_PLUGIN_META is set: metric plugins print graph definitions instead of values", r.ToString());
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
    public void Another_packages_command_of_the_same_name_first_in_PATH_is_as_intended()
    {
        // Mackerel's check-tcp in /usr/bin: the plugins live in the plugin directory so as not to take it over.
        var other = _box.PathOf("otherbin");
        Directory.CreateDirectory(other);
        File.WriteAllText(Path.Combine(other, "check-tcp"), "#!/bin/sh\necho mackerel\n");
        File.SetUnixFileMode(Path.Combine(other, "check-tcp"), (UnixFileMode)0x1ed);
        _box.Env["PATH"] = $"{other}:{Installed.PrefixBin}:/usr/bin:/bin";
        var r = _box.Run("metacheck", "doctor");
        r.Exit.Should().Be(0, r.ToString());
        r.Stdout.Should().Contain($"ok    all {_box.Run("metacheck", "--list").Lines.Length} commands are linked in {Installed.BinDir}\n")
            .And.Contain("ok    delay-checker, interval-checker, periodic-checker: command names resolve in PATH to this binary\n")
            .And.Contain($"info  in PATH these names are another package's; ours are in {Installed.BinDir}: check-tcp ({other}/check-tcp)\n");
    }

    [Fact]
    public void A_command_missing_from_the_plugin_directory_is_something_to_fix()
    {
        var prefix = _box.PathOf("prefix");
        var plugins = Path.Combine(prefix, "lib", "metacheck", "bin");
        Directory.CreateDirectory(Path.Combine(prefix, "bin"));
        Directory.CreateDirectory(plugins);
        var binary = Path.Combine(prefix, "bin", "metacheck");
        File.Copy(Path.Combine(Installed.PrefixBin, "metacheck"), binary);
        File.CreateSymbolicLink(Path.Combine(plugins, "delay-checker"), "../../../bin/metacheck");
        var r = _box.Run(binary, "doctor");
        r.Exit.Should().Be(2, r.ToString());
        r.Stdout.Should().Contain($"FIX   not linked to this binary in {plugins}: interval-checker, periodic-checker, check-uptime, ")
            .And.Contain("; run 'make install PREFIX=...' again or reinstall the package\n");
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

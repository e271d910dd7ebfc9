using System.Diagnostics;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests;

/// <summary>The .deb `make test` builds: its contents, and a real dpkg install into a scratch root.</summary>
public sealed class PackageTests : IDisposable
{
    private readonly Sandbox _box = new();

    public void Dispose() => _box.Dispose();

    private static string Deb => Environment.GetEnvironmentVariable("METACHECK_DEB") is { Length: > 0 } deb && File.Exists(deb)
        ? deb : throw new InvalidOperationException("METACHECK_DEB is not set: run the tests with `make test`");

    private static (int Exit, string Stdout) Tool(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    [Fact]
    public void The_package_holds_the_binary_a_link_and_a_man_page_per_command_and_a_private_state_directory()
    {
        var (exit, contents) = Tool("dpkg-deb", "--contents", Deb);
        exit.Should().Be(0);
        var names = _box.Run("metacheck", "--list").Lines;
        contents.Should().MatchRegex(@"-rwxr-xr-x root/root +\d+ [-\d]+ [:\d]+ \./usr/bin/metacheck\n");
        contents.Should().MatchRegex(@"drwx------ root/root +0 [-\d]+ [:\d]+ \./var/lib/metacheck/\n");
        foreach (var name in names)
        {
            contents.Should().Contain($"./usr/bin/{name} -> metacheck\n");
            contents.Should().Contain($"./usr/share/man/man1/{name}.1.gz\n");
        }
        foreach (var sub in new[] { "metacheck", "metacheck-status", "metacheck-history", "metacheck-doctor" })
            contents.Should().Contain($"./usr/share/man/man1/{sub}.1.gz\n");
        contents.Should().Contain("./usr/share/doc/metacheck/docs/delay-checker.md\n").And.NotContain("./usr/bin/status");
        Tool("dpkg-deb", "--field", Deb, "Package").Stdout.Should().Be("metacheck\n");
        Tool("dpkg-deb", "--field", Deb, "Suggests").Stdout.Should().Contain("mariadb-client | default-mysql-client", "the MySQL plugins need a client");
    }

    [Fact]
    public void The_binary_is_linked_to_start_fast_without_relocating_or_rehydrating_its_data()
    {
        // Either one back (a PIE image, or dehydrated data) costs ~4 ms and ~700 page faults per run.
        var (exit, header) = Tool("readelf", "--file-header", "--section-headers", "--wide", Path.Combine(Installed.BinDir, "metacheck"));
        exit.Should().Be(0);
        header.Should().MatchRegex(@"Type:\s+EXEC ", "a fixed-address image needs no load-time relocations");
        header.Should().NotContain(".hydrated", "type data stored as is is mapped lazily instead of expanded at every start");
    }

    [Fact]
    public void Dpkg_installs_it_into_a_scratch_root_where_it_runs_and_purges_it_cleanly()
    {
        var root = _box.PathOf("root");
        Directory.CreateDirectory(Path.Combine(root, "var/lib/dpkg/info"));
        Directory.CreateDirectory(Path.Combine(root, "var/lib/dpkg/updates"));
        File.WriteAllText(Path.Combine(root, "var/lib/dpkg/status"), "");
        bool hostStateExisted = Directory.Exists("/var/lib/metacheck");
        string[] dpkg = [$"--root={root}", "--force-script-chrootless", "--force-depends", "--log=/dev/null"];

        var install = Tool("dpkg", [.. dpkg, "-i", Deb]);
        install.Exit.Should().Be(0, install.Stdout);
        var bin = Path.Combine(root, "usr/bin");
        File.GetUnixFileMode(Path.Combine(root, "var/lib/metacheck")).Should().Be((UnixFileMode)0x1c0);
        Tool(Path.Combine(bin, "metacheck"), "--version").Stdout.Should().Be(_box.Run("metacheck", "--version").Stdout);
        _box.Env["PATH"] = $"{bin}:/usr/bin:/bin";
        _box.Shell("delay-checker -c 2 -- check-uptime -c 2000000000").Stdout.Should().StartWith("DelayWarn(1/2): CRITICAL: uptime is less than");
        _box.Shell("man -l " + Path.Combine(root, "usr/share/man/man1/delay-checker.1.gz") + " | head -n 5").Stdout.Should().Contain("delay-checker");

        var purge = Tool("dpkg", [.. dpkg, "--purge", "metacheck"]);
        purge.Exit.Should().Be(0, purge.Stdout);
        Directory.Exists(bin).Should().BeFalse();
        Directory.Exists(Path.Combine(root, "var/lib/metacheck")).Should().BeFalse("purge deletes the history in the package's root");
        Directory.Exists("/var/lib/metacheck").Should().Be(hostStateExisted, "and never the host's");
    }
}

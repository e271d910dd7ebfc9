using System.Diagnostics;
using System.Text.RegularExpressions;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests;

/// <summary>What each make target sets up, read from make's dry run (nothing is installed or built).</summary>
public sealed class BuildTests
{
    private static string DryRun(string target)
    {
        var info = new ProcessStartInfo("make", ["-n", "-C", Installed.RepoRoot, $"BUILD={Path.Combine(Path.GetTempPath(), "metacheck-dry-run")}", target])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var make = Process.Start(info)!;
        var stdout = make.StandardOutput.ReadToEndAsync();
        var stderr = make.StandardError.ReadToEndAsync();
        make.WaitForExit();
        make.ExitCode.Should().Be(0, stderr.Result);
        return stdout.Result;
    }

    [Fact]
    public void Only_make_test_installs_the_test_peers()
    {
        foreach (var target in new[] { "release", "install", "demo", "deb" })
        {
            var plan = DryRun(target);
            plan.Should().Contain("scripts/setup.sh build", target);
            plan.Should().NotContain("scripts/setup.sh test", $"make {target} needs no test peer");
        }
        DryRun("test").Should().Contain("scripts/setup.sh test ");

        var setup = File.ReadAllText(Path.Combine(Installed.RepoRoot, "scripts", "setup.sh"));
        var build = Regex.Match(setup, @"\nbuild_packages=\(([^)]*)\)").Groups[1].Value;
        build.Should().Contain("libsqlite3-dev", "SQLite is linked into the binary");
        build.Split(' ', StringSplitOptions.RemoveEmptyEntries).Should().HaveCount(1, "the rest of the build's needs come with the .NET SDK or a C compiler");
    }
}

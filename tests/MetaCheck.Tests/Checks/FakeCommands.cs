using MetaCheck.Tests.Support;

namespace MetaCheck.Tests.Checks;

/// <summary>
/// Fake host tools for command-based plugins: small sh scripts in a directory put first in PATH, each
/// printing a recorded output file and checking that it was called with the expected arguments.
/// </summary>
public static class FakeCommands
{
    public static string FakeBin(this Sandbox box) => box.PathOf("fakebin");

    /// <summary>PATH = fake tools, the installed commands, then (unless <paramref name="systemPath"/> is false) the real PATH.</summary>
    public static void UseFakePath(this Sandbox box, bool systemPath = true)
    {
        Directory.CreateDirectory(box.FakeBin());
        box.Env["PATH"] = systemPath
            ? $"{box.FakeBin()}:{Installed.BinDir}:{Environment.GetEnvironmentVariable("PATH")}"
            : $"{box.FakeBin()}:{Installed.BinDir}";
    }

    /// <summary>A fake <paramref name="name"/> that prints the recorded <paramref name="outputFile"/> (under Fixtures/) and exits <paramref name="exit"/>.</summary>
    public static void FakeCommand(this Sandbox box, string name, string expectedArgs, string outputFile, int exit = 0, bool toStderr = false)
    {
        var recorded = Path.Combine(Fixtures.Root(""), outputFile);
        File.Exists(recorded).Should().BeTrue($"fixture {outputFile} exists");
        box.FakeScript(name, expectedArgs, $"cat '{recorded}'{(toStderr ? " >&2" : "")}\nexit {exit}");
    }

    /// <summary>A fake <paramref name="name"/> running <paramref name="body"/> (sh) when called with exactly <paramref name="expectedArgs"/>.</summary>
    public static void FakeScript(this Sandbox box, string name, string expectedArgs, string body)
    {
        if (!box.Env.ContainsKey("PATH")) box.UseFakePath();
        var path = Path.Combine(box.FakeBin(), name);
        File.WriteAllText(path,
            "#!/bin/sh\n" +
            $"[ \"$*\" = '{expectedArgs}' ] || {{ echo \"fake {name}: unexpected arguments: $*\" >&2; exit 99; }}\n" +
            body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead
            | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }

    public static string ReadFixture(string file) => File.ReadAllText(Path.Combine(Fixtures.Root(""), file));
}
